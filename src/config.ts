/**
 * The environment contract (DESIGN.md §3), validated once at boot. Every problem is reported
 * with the name of the variable and what is wrong with it, and the boot stops.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { PACED_WRITES_PER_HOUR, PACED_WRITES_PER_MINUTE } from "./github/write-pacer.js";
import { agentEnvNames, agentEnvProblems } from "./runner/agents/agent-env-names.js";

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
const AGENTS = ["claude", "codex", "command"] as const;

/** "90", "90s", "30m", "2h" → seconds. */
const duration = z
  .string()
  .trim()
  .regex(/^\d+\s*(s|m|h)?$/, "must be a number of seconds or a duration like 90s, 30m, 2h")
  .transform((v) => {
    const n = Number.parseInt(v, 10);
    const unit = v.replace(/^\d+\s*/, "");
    return n * (unit === "h" ? 3600 : unit === "m" ? 60 : 1);
  })
  .refine((seconds) => seconds > 0, "must be longer than 0 seconds");

const positiveInt = z
  .string()
  .trim()
  .regex(/^\d+$/, "must be a whole number")
  .transform(Number)
  .refine((n) => n > 0, "must be greater than 0");

const port = z
  .string()
  .trim()
  .regex(/^\d+$/, "must be a port number")
  .transform(Number)
  .refine((n) => n >= 0 && n <= 65535, "must be between 0 and 65535");

const nonEmpty = z.string().trim().min(1, "must not be empty");

const envSchema = z
  .object({
    APP_ID: z.string().trim().regex(/^\d+$/, "must be the numeric App ID from the app's settings page").optional(),
    PRIVATE_KEY: nonEmpty.optional(),
    PRIVATE_KEY_PATH: nonEmpty.optional(),
    WEBHOOK_SECRET: nonEmpty.optional(),
    WEBHOOK_PROXY_URL: z.url("must be a URL, e.g. https://smee.io/abc123").optional(),
    GHE_HOST: z
      .string()
      .trim()
      .regex(/^[^/\s]+$/, "must be a host name (and optional port) without scheme or path, e.g. github.example.com")
      .optional(),
    GHE_PROTOCOL: z.enum(["http", "https"], "must be http or https").default("https"),
    PORT: port.default(3000),
    HOST: nonEmpty.optional(),
    LOG_LEVEL: z.enum(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(", ")}`).default("info"),
    DATABASE_URL: z
      .string()
      .trim()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
      .optional(),
    CW_DATA_DIR: nonEmpty.default(".data"),
    CW_WORKDIR: nonEmpty.optional(),
    CW_AGENT: z.enum(AGENTS, `must be one of ${AGENTS.join(", ")}`).default("claude"),
    CW_AGENT_COMMAND: nonEmpty.optional(),
    CW_MAX_AGENTS: positiveInt.default(4),
    CW_AGENT_TIMEOUT: duration.default(3600),
    /** Not in DESIGN §3's list: how long an agent may print nothing before it counts as stalled. */
    CW_AGENT_IDLE_TIMEOUT: duration.default(900),
    /** Not in DESIGN §3's list: how many times a failed run is retried before the task fails. */
    CW_AGENT_RETRIES: z.string().trim().regex(/^\d+$/, "must be a whole number").transform(Number).default(2),
    CW_SECRET_KEY: z
      .string()
      .trim()
      .refine((v) => decodeKey(v) !== undefined, "must be 32 bytes, as 64 hex characters or base64")
      .optional(),
    /**
     * The OS users agents run as (a uid range such as 200000-200063, or a comma list of users);
     * default, as root: 200000-200063 (docs/architecture.md, "Agent containment").
     */
    CW_AGENT_USERS: z
      .string()
      .trim()
      .regex(/^(\d+\s*-\s*\d+|[A-Za-z0-9_.-]+(\s*,\s*[A-Za-z0-9_.-]+)*)$/, "must be a uid range like 200000-200063 or a comma list of user names or uids")
      .optional(),
    /**
     * Names of variables passed through from the runner's environment to agents (a provider's base
     * URL, a proxy, a CA bundle, the host's own key): `runner/agents/agent-env.ts`.
     */
    CW_AGENT_ENV: z.string().trim().optional(),
    /** `1` runs agents as the runner's own user, uncontained (logged loudly). */
    CW_UNSAFE_AGENTS: z.enum(["0", "1", "true", "false"], "must be 1 (run agents uncontained) or 0").optional(),
    /** `1` starts agents even when they could log in to the app's PostgreSQL without a password (logged loudly). */
    CW_UNSAFE_DATABASE: z.enum(["0", "1", "true", "false"], "must be 1 (start agents although they could log in to the database) or 0").optional(),
    /**
     * Not in DESIGN §3's list: how many content-creating writes the outbox sends per installation
     * a minute and an hour. github.com's secondary limits are 80 and 500 (the defaults keep a
     * margin); a GitHub Enterprise Server sets its own, or none.
     */
    CW_GITHUB_WRITES_PER_MINUTE: positiveInt.default(PACED_WRITES_PER_MINUTE),
    CW_GITHUB_WRITES_PER_HOUR: positiveInt.default(PACED_WRITES_PER_HOUR),
    NODE_ENV: z.string().optional(),
  })
  .superRefine((env, ctx) => {
    const hasKey = Boolean(env.PRIVATE_KEY || env.PRIVATE_KEY_PATH);
    if (env.APP_ID && !hasKey) {
      ctx.addIssue({ code: "custom", path: ["PRIVATE_KEY"], message: "is required with APP_ID (or set PRIVATE_KEY_PATH)" });
    }
    if (!env.APP_ID && hasKey) {
      ctx.addIssue({ code: "custom", path: ["APP_ID"], message: "is required with a private key" });
    }
    if (env.APP_ID && !env.WEBHOOK_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["WEBHOOK_SECRET"],
        message: "is required with APP_ID: it must match the secret in the app's settings",
      });
    }
    if (!env.APP_ID && env.NODE_ENV === "production") {
      ctx.addIssue({ code: "custom", path: ["APP_ID"], message: "is required in production (the setup flow is for development)" });
    }
    for (const problem of agentEnvProblems(env.CW_AGENT_ENV)) ctx.addIssue({ code: "custom", path: ["CW_AGENT_ENV"], message: problem });
    if (env.CW_GITHUB_WRITES_PER_HOUR < env.CW_GITHUB_WRITES_PER_MINUTE) {
      ctx.addIssue({ code: "custom", path: ["CW_GITHUB_WRITES_PER_HOUR"], message: "must be at least CW_GITHUB_WRITES_PER_MINUTE" });
    }
    if (env.CW_AGENT === "command" && !env.CW_AGENT_COMMAND) {
      ctx.addIssue({ code: "custom", path: ["CW_AGENT_COMMAND"], message: "is required when CW_AGENT=command" });
    }
  });

type ParsedEnv = z.output<typeof envSchema>;

export interface GitHubAppCredentials {
  appId: number;
  privateKey: string;
  webhookSecret: string;
}

export interface Config {
  /** Absent until the app is registered: then the app serves Probot's setup flow. */
  github: GitHubAppCredentials | undefined;
  /** REST base URL: api.github.com, or GHE_HOST's /api/v3. */
  baseUrl: string | undefined;
  webhookProxyUrl: string | undefined;
  port: number;
  host: string | undefined;
  logLevel: ParsedEnv["LOG_LEVEL"];
  databaseUrl: string | undefined;
  dataDir: string;
  /** PGlite's own directory, `<CW_DATA_DIR>/pglite`: private (0700), unlike the work directory beside it. */
  pgliteDir: string;
  workDir: string;
  agent: ParsedEnv["CW_AGENT"];
  agentCommand: string | undefined;
  maxAgents: number;
  agentTimeoutSeconds: number;
  agentIdleSeconds: number;
  agentRetries: number;
  secretKey: Buffer | undefined;
  /** `CW_AGENT_USERS`, unparsed (`runner/containment/agent-users.ts` reads it). */
  agentUsers: string | undefined;
  /** `CW_UNSAFE_AGENTS=1`: agents run uncontained. */
  unsafeAgents: boolean;
  /** `CW_UNSAFE_DATABASE=1`: agents start even where they could log in to the database. */
  unsafeDatabase: boolean;
  /** `CW_AGENT_ENV`: the names of the runner's variables agents get. */
  agentEnvNames?: string[];
  /** `CW_GITHUB_WRITES_PER_MINUTE` / `_PER_HOUR`: the outbox's pace per installation. */
  githubWrites: { perMinute: number; perHour: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Reads and validates the environment; throws ConfigError naming each bad setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings are "not set": an `.env` line like `APP_ID=` must not count as a value.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join(".") || "environment"} ${issue.message}`));
  }
  const e = parsed.data;
  const github = e.APP_ID ? readCredentials(e) : undefined;
  const dataDir = path.resolve(e.CW_DATA_DIR);
  return {
    github,
    baseUrl: e.GHE_HOST ? `${e.GHE_PROTOCOL}://${e.GHE_HOST}/api/v3` : undefined,
    webhookProxyUrl: e.WEBHOOK_PROXY_URL,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    dataDir,
    pgliteDir: path.join(dataDir, "pglite"),
    workDir: path.resolve(e.CW_WORKDIR ?? path.join(dataDir, "work")),
    agent: e.CW_AGENT,
    agentCommand: e.CW_AGENT_COMMAND,
    maxAgents: e.CW_MAX_AGENTS,
    agentTimeoutSeconds: e.CW_AGENT_TIMEOUT,
    agentIdleSeconds: e.CW_AGENT_IDLE_TIMEOUT,
    agentRetries: e.CW_AGENT_RETRIES,
    secretKey: e.CW_SECRET_KEY ? decodeKey(e.CW_SECRET_KEY) : undefined,
    agentUsers: e.CW_AGENT_USERS,
    unsafeAgents: e.CW_UNSAFE_AGENTS === "1" || e.CW_UNSAFE_AGENTS === "true",
    unsafeDatabase: e.CW_UNSAFE_DATABASE === "1" || e.CW_UNSAFE_DATABASE === "true",
    agentEnvNames: agentEnvNames(e.CW_AGENT_ENV),
    githubWrites: { perMinute: e.CW_GITHUB_WRITES_PER_MINUTE, perHour: e.CW_GITHUB_WRITES_PER_HOUR },
  };
}

function readCredentials(e: ParsedEnv): GitHubAppCredentials {
  let privateKey: string;
  if (e.PRIVATE_KEY_PATH) {
    try {
      privateKey = readFileSync(e.PRIVATE_KEY_PATH, "utf8");
    } catch (error) {
      throw new ConfigError([`PRIVATE_KEY_PATH cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`]);
    }
  } else {
    privateKey = normalisePrivateKey(e.PRIVATE_KEY ?? "");
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey)) {
    const name = e.PRIVATE_KEY_PATH ? "PRIVATE_KEY_PATH" : "PRIVATE_KEY";
    throw new ConfigError([`${name} does not hold a PEM private key (download one from the app's settings page)`]);
  }
  return { appId: Number(e.APP_ID), privateKey, webhookSecret: e.WEBHOOK_SECRET ?? "" };
}

/** Accepts the PEM itself, the PEM with literal "\n", or the PEM base64-encoded (as Probot does). */
function normalisePrivateKey(value: string): string {
  if (value.includes("-----BEGIN")) return value.replace(/\\n/g, "\n");
  const decoded = Buffer.from(value, "base64").toString("utf8");
  return decoded.includes("-----BEGIN") ? decoded : value;
}

function decodeKey(value: string): Buffer | undefined {
  const v = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, "hex");
  const b = Buffer.from(v, "base64");
  return b.length === 32 ? b : undefined;
}
