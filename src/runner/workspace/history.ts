/**
 * What a branch adds, for pull-request bodies and check runs. Like a pull request: the diff is
 * from the merge base (`base...head`) and the commits are those on head but not on base
 * (`base..head`), oldest first. `base` and `head` are remote branch names or commit shas.
 */
import { MissingBranchError, remoteBranchShas, remoteFor, syncMirror } from "./mirror.js";
import { gitText } from "./run-git.js";
import type { CommitSummary, DiffStat, RepoRef } from "./types.js";

export interface RangeInput {
  repo: RepoRef;
  base: string;
  head: string;
  token?: string;
}

const STAT_LINES = 50;
const SHA = /^[0-9a-f]{7,64}$/i;

async function resolveRange(workDir: string, input: RangeInput): Promise<{ mirror: string; base: string; head: string }> {
  const remote = remoteFor(workDir, input.repo, input.token);
  await syncMirror(remote);
  const tips = await remoteBranchShas(remote.mirror, [input.base, input.head]);
  const resolve = (name: string): string => {
    const sha = tips.get(name) ?? (SHA.test(name) ? name : undefined);
    if (!sha) throw new MissingBranchError(name);
    return sha;
  };
  return { mirror: remote.mirror, base: resolve(input.base), head: resolve(input.head) };
}

function count(summary: string, pattern: RegExp): number {
  return Number(pattern.exec(summary)?.[1] ?? 0);
}

export async function diffStat(workDir: string, input: RangeInput): Promise<DiffStat> {
  const { mirror, base, head } = await resolveRange(workDir, input);
  const out = await gitText({
    cwd: mirror,
    args: ["-c", "core.quotePath=false", "diff", "--stat=120", "--no-color", "--no-ext-diff", `${base}...${head}`, "--"],
  });
  const lines = out === "" ? [] : out.split("\n");
  const summary = lines.at(-1) ?? "";
  return {
    files: count(summary, /(\d+) files? changed/),
    insertions: count(summary, /(\d+) insertions?\(\+\)/),
    deletions: count(summary, /(\d+) deletions?\(-\)/),
    text: lines.slice(-STAT_LINES).join("\n"),
  };
}

export async function commitsBetween(workDir: string, input: RangeInput): Promise<CommitSummary[]> {
  const { mirror, base, head } = await resolveRange(workDir, input);
  const out = await gitText({ cwd: mirror, args: ["log", "--reverse", "--format=%H%x1f%s", `${base}..${head}`, "--"] });
  if (out === "") return [];
  return out.split("\n").map((line) => {
    const [sha = "", subject = ""] = line.split("\x1f");
    return { sha, subject };
  });
}

/** A diff far larger than this is cut: an agent reads the files themselves for the rest. */
const MAX_DIFF_CHARS = 2_000_000;

/** The patch a branch adds (`base...head`), as a pull request shows it; cut at 2 MB with a note. */
export async function diffText(workDir: string, input: RangeInput): Promise<string> {
  const { mirror, base, head } = await resolveRange(workDir, input);
  const out = await gitText({
    cwd: mirror,
    args: ["-c", "core.quotePath=false", "diff", "--no-color", "--no-ext-diff", "--no-textconv", `${base}...${head}`, "--"],
  });
  if (out.length <= MAX_DIFF_CHARS) return out;
  return `${out.slice(0, MAX_DIFF_CHARS)}\n\n… (the diff was cut here: ${out.length - MAX_DIFF_CHARS} more characters)\n`;
}
