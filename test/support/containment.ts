/**
 * Tests that run processes as real agent users of this host's containment (root: namespaces;
 * the image's app user: sudo), without the runner around them.
 */
import path from "node:path";
import { rmSync } from "node:fs";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll } from "vitest";
import { sandboxCommand } from "../../src/runner/containment/agent-sandbox.js";
import type { AgentUser } from "../../src/runner/containment/agent-users.js";
import { setUpContainment, type Containment } from "../../src/runner/containment/containment.js";
import { testAgentUsers } from "./github-app.js";
import { agentScratch } from "./scratch.js";

/** A scratch folder agents may use, and containment set up in it (before the file's tests). */
export function useContainment(prefix: string, runner: number): { scratch: string; containment(): Containment } {
  const scratch = agentScratch(prefix);
  let containment: Containment | undefined;
  beforeAll(async () => {
    const setup = await setUpContainment({ workDir: path.join(scratch, "work"), agentUsers: testAgentUsers(runner), unsafe: false, maxAgents: 1 });
    if (!setup.ok) throw new Error(setup.problem);
    containment = setup.containment;
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  return {
    scratch,
    containment: () => {
      if (!containment) throw new Error("containment is set up in beforeAll");
      return containment;
    },
  };
}

/** Starts `file args` as `user`, wrapped as the runner wraps an agent; never rejects. */
export function startAsAgent(containment: Containment, user: AgentUser, file: string, args: string[]): ResultPromise<{ reject: false }> {
  const command = sandboxCommand({ mode: containment.mode, user, paths: containment.paths, file, args, env: { PATH: "/usr/local/bin:/usr/bin:/bin" } });
  return execa(command.file, command.args, { env: command.env, extendEnv: false, input: command.input ?? "", reject: false });
}
