/**
 * The phases issue's figure: GitHub requests for the two-phase scenario (a milestone with two
 * phases, the second depending on the first, each with two dependent tasks → two phase PRs in
 * order → approvals → both merged → the initiative PR → merged, milestone closed), by kind,
 * against the smallest number of writes the scenario needs. Target: at most 1.15× the minimum,
 * no redundant writes. Real git (a local bare repository), the fake agent, the fake GitHub.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FakeGitHub } from "../test/support/fake-github/index.js";
import { createBareRemote } from "../test/support/git-fixtures.js";
import { WRITER } from "../test/support/payloads.js";
import { bootBenchApp, localNetworkOnly, type BenchApp } from "./support/bench-app.js";

type Figures = Record<string, number | string>;

const FAKE_AGENT = fileURLToPath(new URL("../test/support/fake-agent.mjs", import.meta.url));

/**
 * The fewest writes a person would have to make by hand for the same result, counting the
 * states someone could see. Between runs the bench writes everything owed before the next
 * agent starts, and the fake agent is done before anything about its run is written: no task
 * is seen in progress, and its agent's comment is posted once, finished. A label swap is a
 * remove and an add: 2 writes.
 *
 * Per task: its first status label (1); cw:in-review once its work waits in the phase's PR
 * (never cw:done while that is open: 2); cw:done once it merged (2); the agent's comment (1);
 * closing its issue (1); its check run, created completed on the final head of its phase's PR
 * (1). A task blocked at first: one more swap, to cw:ready (2).
 *
 * Per phase: its PR, opened as a draft once its first task is done (1), its body brought up to
 * date once the last one is (1: it lists each task's status), marked ready (1), merged (1); the
 * phase issue closed (1) and its status label, as a task's: cw:in-progress (1), cw:in-review
 * (2), cw:done (2); the phase's "Codewalkers" check run, created completed on the final head (1).
 *
 * The initiative: its PR, its merge, the milestone closed (3).
 */
function minimumWrites(tasks: number, blockedAtFirst: number, phases: number): number {
  const perTask = 1 + 2 + 2 + 1 + 1 + 1; // label, → in review, → done, comment, close, check run
  const perPhase = 1 + 1 + 1 + 1 + 1 + (1 + 2 + 2) + 1; // PR, body, ready, merge, close, labels, check run
  return tasks * perTask + blockedAtFirst * 2 + phases * perPhase + 3; // initiative PR, merge, milestone
}

export async function benchPhases(): Promise<Figures> {
  const restore = localNetworkOnly();
  const scratch = mkdtempSync(path.join(os.tmpdir(), "cw-bench-phases-"));
  chmodSync(scratch, 0o711); // agents run as users of their own, who must pass through
  let bench: BenchApp | undefined;
  const started = performance.now();
  try {
    bench = await bootBenchApp({
      config: { workDir: path.join(scratch, "work"), agent: "command", agentCommand: `exec node "${FAKE_AGENT}"`, maxAgents: 2 },
      runner: { maxRetries: 0, timeoutSeconds: 30, idleSeconds: 20 },
      outbox: "unpaced",
    });
    const b = bench;
    const remote = await createBareRemote({ files: { "README.md": "# Shop\n" } });
    const fake = new FakeGitHub({ repositories: [{ cloneUrl: remote.path }] });
    await b.install(fake);
    fake.resetCounts();

    const script = (file: string) =>
      `\n\n\`\`\`fake-agent\n${JSON.stringify({ behavior: "edit", files: { [file]: `${file}\n` }, summary: `Wrote ${file}.` })}\n\`\`\`\n`;
    const m = fake.createMilestone({ title: "Checkout" });
    const p1 = fake.openIssue({ title: "Cart", milestone: m, labels: ["cw:phase"] });
    const p2 = fake.openIssue({ title: "Payment", milestone: m, labels: ["cw:phase"] });
    fake.addBlockedBy(p2, p1);
    const task = (phase: number, title: string, file: string, extra = "") => {
      const n = fake.openIssue({ title, milestone: m, body: extra + script(file) });
      fake.addSubIssue(phase, n);
      return n;
    };
    const t1 = task(p1, "Cart model", "cart.txt");
    const t2 = task(p1, "Cart view", "cart-view.txt", `Depends on #${t1}`);
    const t3 = task(p2, "Payment model", "payment.txt");
    const t4 = task(p2, "Payment view", "payment-view.txt", `Depends on #${t3}`);
    for (const n of [t1, t2, t3, t4]) fake.addLabels(n, ["cw:run"], WRITER);

    const runUntilQuiet = async () => {
      for (let round = 0; round < 40; round++) {
        await b.converge(fake);
        const startedRuns = await b.app.dispatcher.drain();
        if (startedRuns === 0 && fake.pendingWebhooks.length === 0) return b.converge(fake);
      }
      throw new Error("phases bench: still busy after 40 rounds");
    };
    await runUntilQuiet();
    for (const head of [`cw/checkout--phase-${p1}`, `cw/checkout--phase-${p2}`, "cw/checkout"]) {
      const pr = fake.pulls().find((p) => p.head.ref === head && p.state === "open");
      if (!pr) throw new Error(`phases bench: no open PR from ${head}`);
      fake.approve(pr.number, WRITER);
      await runUntilQuiet();
    }

    const counts = fake.counts();
    const minimum = minimumWrites(4, 3, 2);
    const merged = fake.pulls().filter((p) => p.merged).length;
    const byRoute = (kind: "read" | "write") =>
      [...fake.requests.filter((r) => r.kind === kind).reduce((counts, r) => counts.set(r.route, (counts.get(r.route) ?? 0) + 1), new Map<string, number>())]
        .sort(([, a], [, b]) => b - a)
        .map(([route, n]) => `${route} ×${n}`)
        .join("; ");
    return {
      "phases.scenario": "2 phases (the second blocked by the first), 2 dependent tasks each, 3 approvals",
      "phases.prsMerged": merged,
      "phases.milestoneClosed": fake.milestone(m)?.state === "closed" ? "yes" : "no",
      "phases.requests.reads": counts.reads,
      "phases.requests.writes": counts.writes,
      "phases.requests.redundantWrites": counts.redundantWrites,
      "phases.writes.minimum": minimum,
      "phases.writes.ratioToMinimum": Math.round((counts.writes / minimum) * 100) / 100,
      "phases.writes.byRoute": byRoute("write"),
      "phases.reads.byRoute": byRoute("read"),
      "phases.appLog": b.logSummary() || "none",
      "phases.target":
        counts.writes <= minimum * 1.15 && counts.redundantWrites === 0
          ? "met (≤ 1.15 × minimum, no redundant writes)"
          : `MISSED: ${counts.writes} writes vs minimum ${minimum}, ${counts.redundantWrites} redundant`,
      "phases.benchSeconds": Math.round((performance.now() - started) / 10) / 100,
    };
  } finally {
    await bench?.close();
    restore();
    rmSync(scratch, { recursive: true, force: true });
  }
}
