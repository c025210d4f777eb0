/**
 * Steps shared by the end-to-end tests: install the app on the fake GitHub, run everything
 * (webhooks, outbox, runner) until nothing moves, and read what a person sees on an issue.
 */
import type { BootedApp } from "./boot.js";
import { FakeGitHub } from "./fake-github/index.js";
import { createBareRemote, type BareRemote, type FileChanges } from "./git-fixtures.js";

const STATUS = /^cw:(pending-approval|blocked|ready|in-progress|needs-input|in-review|done|failed)$/;

/** The app-owned status labels an issue carries (exactly one, or none, when all is well). */
export function statusOf(fake: FakeGitHub, issueNumber: number): string[] {
  return fake.labelsOf(issueNumber).filter((l) => STATUS.test(l));
}

/** An issue-body block that tells the fake agent what to do (see test/support/fake-agent.mjs). */
export function fakeAgentScript(value: unknown): string {
  return `\n\n\`\`\`fake-agent\n${JSON.stringify(value)}\n\`\`\`\n`;
}

/** The block the fake agent follows when it runs as the task's merge agent (CW_MODE=merge). */
export function fakeMergeScript(value: unknown): string {
  return `\n\n\`\`\`fake-agent-merge\n${JSON.stringify(value)}\n\`\`\`\n`;
}

/** Installs the app on the fake's repository and lets it settle, reconcile included. */
export async function install(booted: BootedApp, fake: FakeGitHub): Promise<void> {
  fake.install();
  await fake.converge(booted.app.port, booted.settle);
  await booted.app.githubReader.drain();
  await fake.converge(booted.app.port, booted.settle);
}

/** A fresh local repository (a real bare git remote) behind the fake GitHub, with the app installed. */
export async function installedRepository(
  booted: BootedApp,
  files: FileChanges = { "README.md": "# Project\n" },
  options: { installationId?: number } = {},
): Promise<{ fake: FakeGitHub; remote: BareRemote }> {
  const remote = await createBareRemote({ files });
  const fake = new FakeGitHub({ ...options, repositories: [{ cloneUrl: remote.path }] });
  await install(booted, fake);
  return { fake, remote };
}

/** Webhooks, outbox and runner, round after round, until nothing moves. */
export async function runUntilQuiet(booted: BootedApp, fake: FakeGitHub, maxRounds = 40): Promise<void> {
  for (let round = 0; round < maxRounds; round++) {
    await fake.converge(booted.app.port, booted.settle);
    const started = await booted.app.dispatcher.drain();
    if (started === 0 && fake.pendingWebhooks.length === 0) {
      await fake.converge(booted.app.port, booted.settle);
      return;
    }
  }
  throw new Error(`runUntilQuiet: still busy after ${maxRounds} rounds`);
}

/**
 * Converges (webhooks, outbox) every 50 ms until `ok` holds, while an agent runs in the
 * background: a condition waited for, never a fixed delay.
 */
export async function convergeUntil(
  booted: BootedApp,
  fake: FakeGitHub,
  what: string,
  ok: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await fake.converge(booted.app.port, booted.settle);
    await new Promise((r) => setTimeout(r, 50));
  }
}
