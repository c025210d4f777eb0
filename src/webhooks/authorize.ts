/**
 * Only writers (admin, maintain, write) start or steer work. Anyone else gets one polite reply
 * per issue — an edited comment, not a new one each time — and nothing else happens.
 */
import type { Context } from "probot";
import { recordIntents } from "../core/commands/record-intents.js";
import { politeRefusal } from "../github/permissions.js";
import { repoRefOf } from "../core/commands/project-repo.js";
import type { Project } from "../core/commands/upsert-project.js";
import type { AppOctokit } from "../github/octokit.js";
import type { Services } from "../services.js";

export interface Sender {
  login: string;
  type?: string;
}

/** Whether `sender` may start or steer work here (admin, maintain or write; never a bot). */
export async function isWriter(
  services: Services,
  context: Pick<Context, "octokit">,
  project: Project,
  sender: Sender,
): Promise<{ allowed: boolean; permission: string; reason?: string | undefined }> {
  const { owner, repo } = repoRefOf(project);
  return services.permissions.check(context.octokit as unknown as AppOctokit, {
    owner,
    repo,
    login: sender.login,
    userType: sender.type,
  });
}

export async function authorize(
  services: Services,
  context: Pick<Context, "octokit">,
  project: Project,
  issueNumber: number,
  sender: Sender,
  what: string,
): Promise<boolean> {
  const decision = await isWriter(services, context, project, sender);
  if (decision.allowed) return true;
  services.log.info({ login: sender.login, permission: decision.permission, reason: decision.reason }, "refused an unauthorised request");
  await recordIntents(services.database.db, [
    {
      kind: "upsert-comment",
      repo: repoRefOf(project),
      issueNumber,
      marker: `refusal:${sender.login.toLowerCase()}`,
      body: politeRefusal(sender.login, what),
    },
  ]);
  services.wakeOutbox();
  return false;
}

/** Events caused by the app itself (its comments, its label writes) steer nothing. */
export function isFromThisApp(sender: Sender, appId: number, subject?: { performed_via_github_app?: { id?: number | null } | null } | null): boolean {
  return sender.type === "Bot" && subject?.performed_via_github_app?.id === appId;
}
