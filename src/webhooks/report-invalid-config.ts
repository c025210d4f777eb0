import { recordIntents } from "../core/commands/record-intents.js";
import { repoRefOf } from "../core/commands/project-repo.js";
import type { Project } from "../core/commands/upsert-project.js";
import type { Services } from "../services.js";

export const CONFIG_ERROR_MARKER = "config-error";

/** One comment on the issue that asked for work, quoting what is wrong with the config. */
export async function reportInvalidConfig(services: Services, project: Project, issueNumber: number, error: string): Promise<void> {
  const body =
    "⚠️ Codewalkers did nothing: `.github/codewalkers.yml` is invalid.\n\n" +
    "```\n" +
    error.replace(/```/g, "ʼʼʼ") +
    "\n```\n\nFix the file on the default branch, then try again.";
  await recordIntents(services.database.db, [{ kind: "upsert-comment", repo: repoRefOf(project), issueNumber, marker: CONFIG_ERROR_MARKER, body }]);
  services.wakeOutbox();
}
