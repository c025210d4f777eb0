/**
 * The whole app booted with the fake agent (test/support/fake-agent.mjs) as its agent: the setup
 * the end-to-end tests that run agents share. A scratch folder of the test file's own holds the
 * runner's work directory and whatever the test and its agents pass each other; it is removed
 * after the file.
 */
import { rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";
import type { Config } from "../../src/config.js";
import type { RunnerSettings } from "../../src/runner/run-task.js";
import { type BootedApp, useBootedApp } from "./boot.js";
import { agentScratch } from "./scratch.js";

/** The fake agent's script: it does what a `fake-agent` block in its task says (see flows.ts). */
export const FAKE_AGENT = fileURLToPath(new URL("./fake-agent.mjs", import.meta.url));

/** The `command` agent that runs the fake agent. */
export const FAKE_AGENT_COMMAND = `exec node "${FAKE_AGENT}"`;

export interface FakeAgentAppOptions {
  /** Over the defaults: the fake agent as the `command` agent, two at once, the work directory in the scratch folder. */
  config?: Partial<Config> | (() => Partial<Config>);
  /** Over the defaults: no retries, a 20 s timeout, 10 s idle. */
  runner?: Partial<RunnerSettings> | (() => Partial<RunnerSettings>);
}

export interface FakeAgentApp {
  booted: BootedApp;
  /** The test file's scratch folder (see scratch.ts), made now, removed after the file. */
  scratch: string;
}

/**
 * One app per test file, running the fake agent. `config` and `runner` may be functions, read
 * when the app boots: they can name files the test sets up in `scratch` after this call.
 */
export function useFakeAgentApp(scratchPrefix: string, options: FakeAgentAppOptions = {}): FakeAgentApp {
  const scratch = agentScratch(scratchPrefix);
  const booted = useBootedApp(
    () => ({ workDir: path.join(scratch, "work"), agent: "command", agentCommand: FAKE_AGENT_COMMAND, maxAgents: 2, ...read(options.config) }),
    () => ({ maxRetries: 0, timeoutSeconds: 20, idleSeconds: 10, ...read(options.runner) }),
  );
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  return { booted, scratch };
}

function read<T>(value: T | (() => T) | undefined): T | undefined {
  return typeof value === "function" ? (value as () => T)() : value;
}
