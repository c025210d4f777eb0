/**
 * `codewalkers accounts test <id>`: one tiny request through the account's real CLI, run the way
 * the runner runs it (the same adapter, environment and account files, in a scratch HOME and
 * working directory), to say whether the credentials work before a task finds out. A pass clears
 * the account's "refused" mark; a 401 sets it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { DbOrTx } from "../../db/client.js";
import { createRedactor, secretStringsOf } from "../../lib/redact.js";
import { createAgentAdapter } from "../agents/create-agent-adapter.js";
import type { AgentName, AgentRunResult } from "../agents/types.js";
import { materializeAccount } from "./account-environment.js";
import { AccountError, findAccount, loadAccountSecrets, markInvalid, markValid } from "./account-store.js";

export interface ProbeOptions {
  /** `CW_AGENT_ENV`: the runner's variables the CLI gets, as in a run. */
  passEnv?: string[];
  /** Extra variables, as the runner's settings give them (tests: the CLI's path). */
  agentEnv?: Record<string, string>;
  timeoutSeconds?: number;
}

export interface ProbeResult {
  ok: boolean;
  /** One line for the operator; never a secret. */
  message: string;
}

const PROBE_PROMPT = "This is a connection check. Reply with the single word OK and do nothing else.";

export async function probeAccount(db: DbOrTx, key: Buffer, idOrEmail: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  const account = await findAccount(db, idOrEmail);
  if (account.provider !== "claude" && account.provider !== "codex") {
    throw new AccountError(`accounts test knows the claude and codex CLIs; ${account.provider} accounts are used by CW_AGENT=command as the command sees fit`);
  }
  const secrets = await loadAccountSecrets(db, key, account.id);
  const redact = createRedactor([
    ...(secrets.apiKey ? [secrets.apiKey] : []),
    ...secretStringsOf(secrets.credentialsJson),
    ...Object.values(secrets.env ?? {}),
  ]);
  const scratch = await mkdtemp(path.join(os.tmpdir(), "cw-account-test-"));
  const home = path.join(scratch, "home");
  const work = path.join(scratch, "work");
  const materialized = await materializeAccount({ provider: account.provider, secrets, dir: home });
  let result: AgentRunResult;
  try {
    result = await createAgentAdapter(account.provider as AgentName).run({
      taskId: "account-test",
      mode: "research",
      worktree: work,
      inputDir: path.join(work, ".cw", "input"),
      outputDir: path.join(work, ".cw", "output"),
      prompt: PROBE_PROMPT,
      timeoutSeconds: options.timeoutSeconds ?? 120,
      idleSeconds: options.timeoutSeconds ?? 120,
      env: { ...(options.agentEnv ?? {}), ...materialized.env, HOME: home, TMPDIR: scratch },
      ...(options.passEnv?.length ? { passEnv: options.passEnv } : {}),
      redact,
      onOutput: () => {},
    });
  } finally {
    await materialized.cleanup().catch(() => {});
    await rm(scratch, { recursive: true, force: true });
  }
  const verdict = judge(result);
  if (verdict.ok) await markValid(db, account.id);
  else if (result.failure === "auth") await markInvalid(db, account.id, verdict.message);
  return { ok: verdict.ok, message: `${account.provider} account ${account.email} (${account.id}): ${verdict.message}` };
}

/** A run that reached the API and got an answer passes; the probe writes no result file, so its absence is fine. */
function judge(result: AgentRunResult): ProbeResult {
  if (result.outcome === "done") return { ok: true, message: "the credentials work" };
  if (result.outcome === "usage_limited")
    return { ok: true, message: `the credentials work, but the account is at its usage limit: ${result.message ?? ""}`.trim() };
  const exitedClean = result.exitCode === 0 && result.outcome === "error" && !result.failure && /without writing/.test(result.message ?? "");
  if (exitedClean) return { ok: true, message: "the credentials work" };
  const why = result.message ?? result.outcome;
  if (result.failure === "auth") return { ok: false, message: `the provider refused the credentials: ${why}` };
  if (result.failure === "transient") return { ok: false, message: `the provider could not be reached or was overloaded (try again): ${why}` };
  return { ok: false, message: `the check failed: ${why}` };
}
