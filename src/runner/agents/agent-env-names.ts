/**
 * `CW_AGENT_ENV`: the names of the runner's variables an agent is given (a provider's base URL,
 * a proxy, a CA bundle, the host's own API key), read at boot. Pure: config.ts validates with it.
 *
 * The app's own secrets and settings are never given, even when listed: a name of them in the
 * list stops the boot with a message saying which, rather than being dropped quietly.
 */

/** Never given to an agent, whatever the runner's settings or an account say. */
export const FORBIDDEN_AGENT_ENV = new Set([
  "APP_ID",
  "PRIVATE_KEY",
  "PRIVATE_KEY_PATH",
  "WEBHOOK_SECRET",
  "WEBHOOK_PROXY_URL",
  "DATABASE_URL",
  "CW_SECRET_KEY",
  "GITHUB_TOKEN",
  "GH_TOKEN",
  "GITHUB_ENTERPRISE_TOKEN",
  "GH_ENTERPRISE_TOKEN",
  "GITHUB_CLIENT_SECRET",
  "GITHUB_PRIVATE_KEY",
]);

/** Whole families of the app's settings: its own (`CW_…`) and PostgreSQL's (`PGPASSWORD`, `PGPASSFILE`, …). */
const FORBIDDEN_PREFIXES = ["CW_", "PG"];

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isForbiddenAgentEnv(name: string): boolean {
  return FORBIDDEN_AGENT_ENV.has(name) || FORBIDDEN_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/** The names in a comma (or whitespace) separated list, without blanks or repeats. */
export function agentEnvNames(list: string | undefined): string[] {
  return [...new Set((list ?? "").split(/[\s,]+/).filter(Boolean))];
}

/** What is wrong with the list, one sentence a problem; empty when it is fine. */
export function agentEnvProblems(list: string | undefined): string[] {
  const problems: string[] = [];
  for (const name of agentEnvNames(list)) {
    if (!NAME.test(name)) problems.push(`names "${name}", which is not a variable name (give names, e.g. ANTHROPIC_BASE_URL,HTTPS_PROXY)`);
    else if (isForbiddenAgentEnv(name)) problems.push(`names ${name}: the app's own secrets and settings are never given to agents`);
  }
  return problems;
}
