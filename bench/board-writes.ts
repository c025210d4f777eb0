/**
 * The board's figure: Projects v2 writes for the two-phase scenario (bench/phases.ts's: two
 * phases, the second after the first, two dependent tasks each, three approvals) on an
 * organization board, against the fewest a person would make: one add per issue, and one Status
 * write each time the issue's status label moved to a status the board shows differently.
 * Target: at most 1.1× that, no redundant write. Real git, the fake agent, the fake GitHub.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FakeGitHub } from "../test/support/fake-github/index.js";
import { createBareRemote } from "../test/support/git-fixtures.js";
import { WRITER } from "../test/support/payloads.js";
import { boardStatusOf, statusOption, type BoardShape } from "../src/core/board.js";
import { ALL_STATUS_LABELS, type StatusLabel } from "../src/core/labels.js";
import { bootBenchApp, localNetworkOnly, type BenchApp } from "./support/bench-app.js";

type Figures = Record<string, number | string>;

const FAKE_AGENT = fileURLToPath(new URL("../test/support/fake-agent.mjs", import.meta.url));
const OPTIONS = ["Todo", "Blocked", "Ready", "In Progress", "In Review", "Done"];

export async function benchBoardWrites(): Promise<Figures> {
  const restore = localNetworkOnly();
  const scratch = mkdtempSync(path.join(os.tmpdir(), "cw-bench-board-"));
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
    const fake = new FakeGitHub({
      repositories: [{ cloneUrl: remote.path, files: { ".github/codewalkers.yml": "board: https://github.com/orgs/Codertocat/projects/1\n" } }],
    });
    const board = fake.projects.create({ number: 1, statusOptions: OPTIONS });
    await b.install(fake);

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
      throw new Error("board bench: still busy after 40 rounds");
    };
    await runUntilQuiet();
    for (const head of [`cw/checkout--phase-${p1}`, `cw/checkout--phase-${p2}`, "cw/checkout"]) {
      const pr = fake.pulls().find((p) => p.head.ref === head && p.state === "open");
      if (!pr) throw new Error(`board bench: no open PR from ${head}`);
      fake.approve(pr.number, WRITER);
      await runUntilQuiet();
    }

    // The minimum: per issue one add, and one Status write per change of the option its status
    // labels (as GitHub received them) map to; a phase starts as Ready.
    const shape: BoardShape = {
      projectId: board.nodeId,
      title: board.title,
      fields: [{ id: "S", name: "Status", dataType: "SINGLE_SELECT", options: OPTIONS.map((name) => ({ id: name, name })) }],
    };
    const issues = [p1, p2, t1, t2, t3, t4];
    let minimum = 0;
    for (const n of issues) {
      const labels = fake.requests
        .filter((r) => r.kind === "write" && r.status < 300 && r.path.endsWith(`/issues/${n}/labels`) && r.method === "POST")
        .flatMap((r) => ((r.body as { labels?: string[] }).labels ?? []).filter((l): l is StatusLabel => (ALL_STATUS_LABELS as readonly string[]).includes(l)));
      const shown = [...([p1, p2].includes(n) ? ["Ready"] : []), ...labels.map((l) => statusOption(shape, boardStatusOf(l)!, {})?.name)];
      minimum += 1 + shown.filter((s, i) => s !== undefined && s !== shown[i - 1]).length;
    }
    const writes = fake.projects.writes;
    const actual = writes.filter((w) => w.op === "add" || w.field === "Status").length;
    const redundant = writes.filter((w) => w.redundant).length;
    const graphqlWrites = fake.requests.filter((r) => r.route === "POST /graphql" && r.kind === "write").length;
    const graphqlReads = fake.requests.filter((r) => r.route === "POST /graphql" && r.kind === "read").length;
    const final = issues.map((n) => `#${n} ${fake.projects.card(board, `I_${fake.issue(n).id}`)?.Status ?? "none"}`).join(", ");
    return {
      "board.scenario": "2 phases (the second blocked by the first), 2 dependent tasks each, 3 approvals, a board with Blocked/Ready/In Review",
      "board.cards": final,
      "board.writes.adds": writes.filter((w) => w.op === "add").length,
      "board.writes.status": writes.filter((w) => w.field === "Status").length,
      "board.writes.minimum": minimum,
      "board.writes.ratioToMinimum": Math.round((actual / minimum) * 100) / 100,
      "board.writes.redundant": redundant,
      "board.requests.graphqlWrites": graphqlWrites,
      "board.requests.graphqlReads": graphqlReads,
      "board.appLog": b.logSummary() || "none",
      "board.target":
        actual <= minimum * 1.1 && redundant === 0
          ? "met (≤ 1.1 × minimum, no redundant writes)"
          : `MISSED: ${actual} writes vs minimum ${minimum}, ${redundant} redundant`,
      "board.benchSeconds": Math.round((performance.now() - started) / 10) / 100,
    };
  } finally {
    await bench?.close();
    restore();
    rmSync(scratch, { recursive: true, force: true });
  }
}
