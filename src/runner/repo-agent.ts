/**
 * Which agent a run uses: the repository's own `agent` (`.github/codewalkers.yml`: claude,
 * codex or command) over the runner's `CW_AGENT`. Accounts, the adapter and the merge agent all
 * follow it, since they read it from the run's settings.
 */
import { repoConfigOf } from "../core/commands/project-repo.js";
import type { ProjectRow } from "./run-context.js";
import type { RunDeps } from "./run-task.js";

export function forRepository(deps: RunDeps, project: ProjectRow): RunDeps {
  const wanted = repoConfigOf(project).agent;
  if (!wanted || wanted === deps.settings.agent) return deps;
  return { ...deps, settings: { ...deps.settings, agent: wanted } };
}
