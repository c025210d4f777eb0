/**
 * The command line: `start` (the whole app), `migrate`, and later `runner` and `accounts`.
 * Every failure a user can cause ends in one plain message and a non-zero exit.
 */
import { existsSync } from "node:fs";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { bootApp, DatabaseUnavailableError, openAndMigrate } from "./boot.js";
import { createLogger } from "./logger.js";
import { PortInUseError } from "./server/http-server.js";

const USAGE = `Usage: codewalkers <command>

Commands:
  start     run the app: webhook server, processor, outbox worker, runner (default)
  runner    run only the runner loop (agents), sharing the app's database
  migrate   apply database migrations and exit
  accounts  add | list | test | remove agent-provider accounts (codewalkers accounts help)
  logs      <issue-number | agent-name> [--repo owner/name]: print an agent run's whole log
  help      show this text`;

async function main(argv: string[]): Promise<number> {
  const command = argv[0] ?? "start";
  if (command === "help" || command === "--help" || command === "-h") {
    console.log(USAGE);
    return 0;
  }
  // Like Probot, read `.env` (written by the setup flow); variables already set take precedence.
  if (existsSync(".env")) process.loadEnvFile(".env");
  const config = loadConfig();
  const log = createLogger(config.logLevel);

  switch (command) {
    case "migrate": {
      const database = await openAndMigrate(config);
      await database.close();
      log.info("migrations applied");
      return 0;
    }
    case "start":
      return start(config, log);
    case "runner":
      return runner(config, log);
    case "accounts": {
      const { runAccountsCli } = await import("./runner/accounts/accounts-cli.js");
      const database = await openAndMigrate(config);
      try {
        const io = { out: (line: string) => console.log(line), err: (line: string) => console.error(line) };
        return await runAccountsCli(argv.slice(1), { db: database.db, key: config.secretKey, probe: { passEnv: config.agentEnvNames ?? [] }, ...io });
      } finally {
        await database.close();
      }
    }
    case "logs": {
      const { runLogsCli } = await import("./runner/logs-cli.js");
      const database = await openAndMigrate(config);
      try {
        return await runLogsCli(argv.slice(1), { db: database.db, out: (line) => console.log(line), err: (line) => console.error(line) });
      } finally {
        await database.close();
      }
    }
    default:
      console.error(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

async function start(config: Config, log: ReturnType<typeof createLogger>): Promise<number> {
  if (!config.github) {
    // Not registered yet: serve Probot's setup flow, which registers the app from app.yml and
    // writes its credentials to .env. Restart afterwards to run the app.
    const database = await openAndMigrate(config);
    await database.close();
    const { run } = await import("probot");
    await run(() => {}, { env: { ...process.env, PORT: String(config.port) } });
    return new Promise<number>(() => {});
  }
  // The handlers go in before the boot: /healthz answers while the workers are still starting,
  // and a SIGTERM then must stop the app cleanly, not kill it mid-start.
  const booting = bootApp({ config, log, catchUpDeliveries: true });
  const shutdown = async (signal: string) => {
    log.info(`${signal}: stopping`);
    await (await booting).stop();
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  await booting;
  return new Promise<number>(() => {});
}

/** A runner on its own: claims ready tasks from the shared database and runs their agents. */
async function runner(config: Config, log: ReturnType<typeof createLogger>): Promise<number> {
  if (!config.github) throw new ConfigError(["APP_ID is required to run agents (the runner pushes with the app's installation token)"]);
  const { Probot } = await import("probot");
  const { AppOctokitClass } = await import("./github/octokit.js");
  const { createDispatcher } = await import("./boot.js");
  const database = await openAndMigrate(config);
  const probot = new Probot({
    appId: config.github.appId,
    privateKey: config.github.privateKey,
    log: log.child({ name: "probot" }),
    Octokit: AppOctokitClass,
    ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
  });
  const dispatcher = await createDispatcher(config, database, probot, log);
  await dispatcher.start();
  log.info({ runner: dispatcher.runnerId, maxAgents: config.maxAgents }, "runner started");
  const shutdown = async (signal: string) => {
    log.info(`${signal}: stopping the runner; agents in hand are stopped and their tasks handed back`);
    await dispatcher.stop({ kill: true });
    await database.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  return new Promise<number>(() => {});
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof DatabaseUnavailableError || error instanceof PortInUseError) {
      console.error(error.message);
    } else {
      console.error(error);
    }
    process.exit(1);
  },
);
