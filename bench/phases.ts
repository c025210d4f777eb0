/**
 * The phases issue's figure: GitHub requests for the two-phase scenario (a milestone with two
 * phases, the second depending on the first, each with two dependent tasks → two phase PRs in
 * order → approvals → both merged → the initiative PR → merged, milestone closed), by kind,
 * against the smallest number of writes the scenario needs. Target: at most 1.25× the minimum,
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
 * The fewest writes a person would have to make by hand for the same result: per task, its
 * first status label, ready → in-progress → done (a swap is a remove and an add, so 2 each),
 * the agent's status comment and its final edit, closing its issue; per phase, opening the PR,
 * marking it ready, merging it, closing the phase issue; the initiative PR, its merge and the
 * milestone close. Blocked tasks need one more swap (blocked → ready).
 */
function minimumWrites(tasks: number, blockedAtFirst: number, phases: number): number {
  const perTask = 1 + 2 + 2 + 2 + 1; // label, ready→in-progress, in-progress→done, comment + edit, close
  const perPhase = 1 + 1 + 1 + 1; // PR, ready, merge, close issue
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

    const script = (file: string) => `\n\n\`\`\`fake-agent\n${JSON.stringify({ behavior: "edit", files: { [file]: `${file}\n` }, summary: `Wrote ${file}.` })}\n\`\`\`\n`;
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
      [
        ...fake.requests
          .filter((r) => r.kind === kind)
          .reduce((counts, r) => counts.set(r.route, (counts.get(r.route) ?? 0) + 1), new Map<string, number>()),
      ]
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
      "phases.target": counts.writes <= minimum * 1.25 && counts.redundantWrites === 0 ? "met (≤ 1.25 × minimum, no redundant writes)" : `MISSED: ${counts.writes} writes vs minimum ${minimum}, ${counts.redundantWrites} redundant`,
      "phases.benchSeconds": Math.round((performance.now() - started) / 10) / 100,
    };
  } finally {
    await bench?.close();
    restore();
    rmSync(scratch, { recursive: true, force: true });
  }
}
