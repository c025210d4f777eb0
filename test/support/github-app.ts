/**
 * The test GitHub App: fixed credentials, a Probot instance whose Octokit really has throttling
 * and retries off (see STACK.md), and a config for booting the whole app.
 */
import { readFileSync } from "node:fs";
import { Probot } from "probot";
import type { Config } from "../../src/config.js";
import { AppOctokitClass } from "../../src/github/octokit.js";
import { createLogger } from "../../src/logger.js";
import { signBody } from "../../src/intake/verify-signature.js";

export const TEST_APP_ID = 4242;
export const TEST_WEBHOOK_SECRET = "test-webhook-secret";
export const TEST_PRIVATE_KEY = readFileSync(new URL("../fixtures/test-app-key.pem", import.meta.url), "utf8");
export const TEST_INSTALLATION_TOKEN = "ghs_testinstallationtoken000000000000000";

export const testLog = createLogger(process.env.TEST_LOG_LEVEL ?? "silent");

/** Runners one test process may boot, each with agent users of its own. */
const RUNNERS_PER_PROCESS = 4;

/**
 * Agent users of this test process alone: test files run in parallel processes (and CI runs two
 * suites at once), and a runner kills whatever its agent users run, at boot and after each agent.
 *
 * `CW_TEST_AGENT_USERS` (a comma list of real users, e.g. the image's `cw-agent-0,…`) replaces
 * the uid range, for a run as a non-root user in the Docker image's `sudo` mode
 * (scripts/image-host.sh): sudo needs users it knows by name. The list is cut into a quarter per
 * runner; every test process would get the same users, so such a run takes one file at a time
 * (`--no-file-parallelism`).
 */
export function testAgentUsers(runner = 0): string {
  const listed = testAgentUserList();
  if (listed) {
    const per = Math.floor(listed.length / RUNNERS_PER_PROCESS);
    if (per < 1) throw new Error(`CW_TEST_AGENT_USERS names ${listed.length} user(s): the tests need at least ${RUNNERS_PER_PROCESS}`);
    return listed.slice(runner * per, (runner + 1) * per).join(",");
  }
  // 4 runners of 16 users each per process.
  const first = 1_000_000 + process.pid * 64 + runner * 16;
  return `${first}-${first + 15}`;
}

/** The users `CW_TEST_AGENT_USERS` names, or undefined when the tests pick a uid range (as root). */
function testAgentUserList(): string[] | undefined {
  const names = (process.env.CW_TEST_AGENT_USERS ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  return names.length > 0 ? names : undefined;
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    github: { appId: TEST_APP_ID, privateKey: TEST_PRIVATE_KEY, webhookSecret: TEST_WEBHOOK_SECRET },
    baseUrl: undefined,
    webhookProxyUrl: undefined,
    port: 0,
    host: "127.0.0.1",
    logLevel: "silent",
    databaseUrl: undefined,
    dataDir: ".data-test",
    pgliteDir: ".data-test/pglite",
    workDir: ".data-test/work",
    agent: "command",
    agentCommand: "true",
    maxAgents: 2,
    agentTimeoutSeconds: 60,
    agentIdleSeconds: 30,
    agentRetries: 2,
    secretKey: undefined,
    agentUsers: testAgentUsers(),
    unsafeAgents: false,
    unsafeDatabase: false,
    githubWrites: { perMinute: 72, perHour: 450 },
    ...overrides,
  };
}

export function testProbot(): Probot {
  return new Probot({
    appId: TEST_APP_ID,
    privateKey: TEST_PRIVATE_KEY,
    secret: TEST_WEBHOOK_SECRET,
    log: testLog,
    Octokit: AppOctokitClass,
  });
}

/** Posts a delivery to the app's webhook endpoint, signed as GitHub signs it. */
export async function postDelivery(
  port: number,
  event: string,
  payload: unknown,
  options: { deliveryId?: string; secret?: string; rawBody?: string; signature?: string | null } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = options.rawBody ?? JSON.stringify(payload);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-github-event": event,
    "x-github-delivery": options.deliveryId ?? crypto.randomUUID(),
    "user-agent": "GitHub-Hookshot/test",
  };
  const signature = options.signature === undefined ? signBody(options.secret ?? TEST_WEBHOOK_SECRET, body) : options.signature;
  if (signature !== null) headers["x-hub-signature-256"] = signature;
  const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, { method: "POST", headers, body });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
