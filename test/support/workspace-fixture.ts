/**
 * The world of the workspace tests: a bare remote whose `main` holds `files`, a workspace in a
 * fresh work directory, and the phase branch made from `main`. The names are a task of a phase.
 */
import { createGitWorkspace, type GitWorkspace, type RepoRef } from "../../src/runner/workspace/index.js";
import { createBareRemote, makeTempDir, type BareRemote, type FileChanges } from "./git-fixtures.js";

export const AUTHOR = { name: "Codewalkers", email: "codewalkers@example.com" };
export const PHASE = "cw/user-auth--phase-3";
export const TASK = "cw/task-12-add-login";

export interface WorkspaceWorld {
  remote: BareRemote;
  workDir: string;
  repo: RepoRef;
  workspace: GitWorkspace;
}

export async function workspaceWithPhase(files: FileChanges): Promise<WorkspaceWorld> {
  const remote = await createBareRemote({ files });
  const workDir = await makeTempDir("cw-work-");
  const repo = { owner: "acme", name: "widgets", cloneUrl: remote.url };
  const workspace = createGitWorkspace({ workDir });
  await workspace.ensureRemoteBranch({ repo, branch: PHASE, from: "main" });
  return { remote, workDir, repo, workspace };
}
