/**
 * `codewalkers logs <issue-number | agent-name> [--repo owner/name]`: the whole log of a task's
 * newest agent run (or of the agent named), as stored in `agent_log_chunks`, printed on the
 * host. `/cw log` shows only the last 200 lines on GitHub; this is the rest. The log was
 * redacted as it was stored.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { agents, projects, tasks } from "../db/schema.js";
import { agentLog } from "../core/commands/task-log.js";

export const LOGS_USAGE = `Usage: codewalkers logs <issue-number | agent-name> [--repo owner/name]

Prints the whole log of the newest agent run of that issue's task (or of the agent named).
--repo is needed when several repositories have a task with that issue number.`;

export interface LogsIo {
  db: Db;
  out(line: string): void;
  err(line: string): void;
}

export async function runLogsCli(args: readonly string[], io: LogsIo): Promise<number> {
  const repoAt = args.indexOf("--repo");
  const repo = repoAt >= 0 ? args[repoAt + 1] : undefined;
  const rest = repoAt >= 0 ? args.filter((_, i) => i !== repoAt && i !== repoAt + 1) : [...args];
  const target = rest[0];
  if (!target || rest.length > 1 || (repoAt >= 0 && !repo) || target === "help" || target === "--help") {
    io.err(LOGS_USAGE);
    return target === "help" || target === "--help" ? 0 : 2;
  }
  const agent = /^#?\d+$/.test(target) ? await newestAgentOfIssue(io, Number(target.replace("#", "")), repo) : await agentNamed(io.db, target);
  if (typeof agent === "string") {
    io.err(agent);
    return 1;
  }
  const lines = await agentLog(io.db, agent.id, null);
  io.err(`# agent ${agent.name} (${agent.status}), ${lines.length} lines`);
  for (const line of lines) io.out(line);
  return 0;
}

type Found = { id: string; name: string; status: string } | string;

async function agentNamed(db: Db, name: string): Promise<Found> {
  const [agent] = await db.select({ id: agents.id, name: agents.name, status: agents.status }).from(agents).where(eq(agents.name, name));
  return agent ?? `There is no agent named "${name}" (and it is not an issue number).`;
}

async function newestAgentOfIssue(io: LogsIo, issueNumber: number, repo: string | undefined): Promise<Found> {
  const found = await io.db
    .select({ taskId: tasks.id, repo: projects.name })
    .from(tasks)
    .innerJoin(projects, eq(tasks.projectId, projects.id))
    .where(and(eq(tasks.issueNumber, issueNumber), repo ? sql`lower(${projects.name}) = ${repo.toLowerCase()}` : undefined));
  if (found.length === 0) return `There is no task for issue #${issueNumber}${repo ? ` in ${repo}` : ""}.`;
  if (found.length > 1)
    return `Several repositories have a task for issue #${issueNumber}: ${found.map((f) => f.repo).join(", ")}. Name one with --repo owner/name.`;
  const [agent] = await io.db
    .select({ id: agents.id, name: agents.name, status: agents.status })
    .from(agents)
    .where(eq(agents.taskId, found[0]!.taskId))
    .orderBy(desc(agents.createdAt))
    .limit(1);
  return agent ?? `No agent has run on issue #${issueNumber} yet.`;
}
