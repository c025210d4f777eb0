/**
 * Issue #11's bad inputs through the whole app, with a stand-in `claude` (a script printing
 * claude's stream-json as the real CLI does for these cases):
 *   - a session the CLI no longer knows: the run starts afresh once, with the conversation so far
 *     in answers.md, and the completion comment says so;
 *   - a key the provider refuses (401 retries): the account is set aside, one comment names it,
 *     and the task moves on to the next account at once, without counting a retry.
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { commentMarker } from "../../src/core/intents.js";
import { accounts, agents, tasks } from "../../src/db/schema.js";
import { addAccount } from "../../src/runner/accounts/account-store.js";
import { CREDENTIALS_MARKER } from "../../src/runner/credentials-refused.js";
import { useBootedApp } from "../support/boot.js";
import { installedRepository, runUntilQuiet, statusOf } from "../support/flows.js";
import { WRITER } from "../support/payloads.js";
import { agentScratch, dropBox } from "../support/scratch.js";
import { useStrictNock } from "../support/strict-nock.js";

const SECRET_KEY = randomBytes(32);
const scratch = agentScratch("cw-agent-errors-");
const workDir = path.join(scratch, "work");
const seen = dropBox(path.join(scratch, "seen"));

// Prints what claude prints: a refused key retried (api_retry 401), a resume of a session it does
// not know (error_during_execution, exit 1), questions, or a finished run.
const STAND_IN = path.join(scratch, "claude.mjs");
writeFileSync(
  STAND_IN,
  `import { existsSync, readFileSync, writeFileSync, readdirSync } from "node:fs";
import path from "node:path";
const args = process.argv.slice(2);
const print = (event) => process.stdout.write(JSON.stringify(event) + "\\n");
const n = readdirSync(${JSON.stringify(seen)}).length;
writeFileSync(path.join(${JSON.stringify(seen)}, "run-" + n + ".json"), JSON.stringify({ args, key: process.env.ANTHROPIC_API_KEY ?? null }), { mode: 0o666 });
if (process.env.ANTHROPIC_API_KEY === "key-refused") {
  for (let i = 1; i <= 10; i++) print({ type: "system", subtype: "api_retry", attempt: i, error_status: 401, error: "authentication_failed" });
  setTimeout(() => {}, 60_000);
} else if (args.includes("--resume")) {
  const id = args[args.indexOf("--resume") + 1];
  print({ type: "result", subtype: "error_during_execution", is_error: true, errors: ["No conversation found with session ID: " + id], session_id: "s-new" });
  process.exit(1);
} else {
  const answers = path.join(process.env.CW_INPUT_DIR, "answers.md");
  print({ type: "system", subtype: "init", session_id: "s-" + n });
  if (!existsSync(answers) && process.env.CW_NO_QUESTIONS_FLAG !== "1") {
    writeFileSync(path.join(process.env.CW_OUTPUT_DIR, "result.json"), JSON.stringify({ status: "questions", questions: [{ id: "q1", question: "Which colour?" }] }));
  } else {
    writeFileSync("done.txt", existsSync(answers) ? readFileSync(answers, "utf8") : "no answers\\n");
  }
  print({ type: "result", subtype: "success", is_error: false, result: existsSync(answers) ? "painted it" : "did it", session_id: "s-" + n, usage: { input_tokens: 10, cache_read_input_tokens: 90, output_tokens: 5 }, total_cost_usd: 0.5 });
}
`,
);
const CLAUDE = path.join(scratch, "claude");
writeFileSync(CLAUDE, `#!/bin/sh\nexec "${process.execPath}" "${STAND_IN}" "$@"\n`, { mode: 0o755 });

useStrictNock();
let noQuestions = false;
const booted = useBootedApp(() => ({ workDir, agent: "claude", agentCommand: undefined, secretKey: SECRET_KEY, maxAgents: 1 }), {
  maxRetries: 1,
  timeoutSeconds: 30,
  idleSeconds: 20,
  agentEnv: {
    CW_CLAUDE_BIN: CLAUDE,
    get CW_NO_QUESTIONS_FLAG() {
      return noQuestions ? "1" : "";
    },
  },
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function runs(): { args: string[]; key: string | null }[] {
  return readdirSync(seen)
    .sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]))
    .map((f) => JSON.parse(readFileSync(path.join(seen, f), "utf8")) as { args: string[]; key: string | null });
}

async function taskFor(issueNumber: number) {
  const [task] = await booted.database.db.select().from(tasks).where(eq(tasks.issueNumber, issueNumber));
  return task!;
}

describe("errors a real CLI gives", () => {
  it("starts afresh once, with the conversation so far, when the session to resume is gone, and says so", { timeout: 60_000 }, async () => {
    for (const f of readdirSync(seen)) rmSync(path.join(seen, f));
    const { fake } = await installedRepository(booted, { "README.md": "# Lost\n" });
    await addAccount(booted.database.db, SECRET_KEY, { email: "one@example.com", provider: "claude", apiKey: "key-good-1" });
    const n = fake.openIssue({ title: "Paint it", body: "Paint the door.", labels: ["cw:run"] });
    await runUntilQuiet(booted, fake);
    expect(statusOf(fake, n)).toEqual(["cw:needs-input"]);

    fake.comment(n, "Blue, please.", WRITER);
    await runUntilQuiet(booted, fake);
    const task = await taskFor(n);
    expect(task).toMatchObject({ status: "completed", summary: "painted it", retryCount: 0 });
    // Asked, resumed (refused: unknown session), started afresh without --resume: three starts.
    const started = runs();
    expect(started).toHaveLength(3);
    expect(started[1]!.args).toEqual(expect.arrayContaining(["--resume", "s-0"]));
    expect(started[2]!.args).not.toContain("--resume");
    expect(started[2]!.args[1]).toContain("could not be resumed");
    const done = fake.commentsOn(n).find((c) => c.body.includes("painted it"));
    expect(done?.body).toContain("earlier session (`s-0`) could not be resumed, so it started afresh");
    // Cache tokens count as input.
    expect(done?.body).toContain("100 input tokens");
    const [agent] = await booted.database.db.select().from(agents).where(eq(agents.taskId, task.id)).orderBy(agents.attempt);
    expect(agent?.sessionId).toBe("s-0");
  });

  it("sets a refused account aside with one comment and moves on to the next account at once", { timeout: 60_000 }, async () => {
    for (const f of readdirSync(seen)) rmSync(path.join(seen, f));
    noQuestions = true;
    const { fake } = await installedRepository(booted, { "README.md": "# Refused\n" });
    const db = booted.database.db;
    const bad = await addAccount(db, SECRET_KEY, { email: "bad@example.com", provider: "claude", apiKey: "key-refused", sortOrder: 0 });
    await addAccount(db, SECRET_KEY, { email: "good@example.com", provider: "claude", apiKey: "key-good-2", sortOrder: 1 });
    const n = fake.openIssue({ title: "Do it", body: "Anything.", labels: ["cw:run"] });
    await runUntilQuiet(booted, fake);
    const task = await taskFor(n);
    expect(task).toMatchObject({ status: "completed", retryCount: 0 });
    expect(runs().map((r) => r.key)).toEqual(["key-refused", "key-good-2"]);
    const [row] = await db.select().from(accounts).where(eq(accounts.id, bad.id));
    expect(row?.invalidReason).toContain("401");
    const notices = fake.commentsOn(n).filter((c) => c.body.includes(commentMarker(CREDENTIALS_MARKER)));
    expect(notices).toHaveLength(1);
    expect(notices[0]!.body).toContain("bad@example.com");
    expect(notices[0]!.body).toContain(`codewalkers accounts test ${bad.id}`);
    expect(notices[0]!.body).not.toContain("key-refused");
  });
});
