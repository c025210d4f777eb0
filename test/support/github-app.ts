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

/**
 * Agent users of this test process alone: test files run in parallel processes (and CI runs two
 * suites at once), and a runner kills whatever its agent users run, at boot and after each agent.
 */
export function testAgentUsers(runner = 0): string {
  // 4 runners of 16 users each per process.
  const first = 1_000_000 + process.pid * 64 + runner * 16;
  return `${first}-${first + 15}`;
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
