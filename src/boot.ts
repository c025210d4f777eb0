/**
 * Wires the app together: database (migrated), Probot with the app's handlers, the processor,
 * the outbox worker and the HTTP server. `npm start` and the end-to-end tests both boot this.
 */
import type { Server } from "node:http";
import path from "node:path";
import { Probot } from "probot";
import type { Config } from "./config.js";
import { openDatabase, type Database } from "./db/client.js";
import { migrateDatabase } from "./db/migrate.js";
import { preparePgliteDir } from "./db/pglite-dir.js";
import { expireDeadClaims } from "./db/dead-claims.js";
import { codewalkersApp, isHandledEvent } from "./app.js";
import { createProcessor } from "./intake/processor.js";
import { webhookEndpoint } from "./intake/webhook-endpoint.js";
import { appDeliveriesClient, DeliveryRecovery } from "./intake/recover-deliveries.js";
import { IntakeFirst } from "./intake/intake-first.js";
import { webhookDeliveries } from "./db/schema.js";
import { WritePacer } from "./github/write-pacer.js";
import { createOutboxWorker } from "./github/outbox-worker.js";
import { AppOctokitClass } from "./github/octokit.js";
import { createPermissionChecker } from "./github/permissions.js";
import { createRepoConfigLoader } from "./github/repo-config-loader.js";
import { createGitHubReader } from "./reconcile/github-reader.js";
import { createReconcileWorker } from "./reconcile/reconcile-worker.js";
import { RECONCILE_CHANNEL } from "./db/reconcile-due.js";
import { Dispatcher } from "./runner/dispatcher.js";
import type { RunnerSettings } from "./runner/run-task.js";
import { metricsEndpoint } from "./server/metrics.js";
import { createGitWorkspace } from "./runner/workspace/index.js";
import { setUpContainment } from "./runner/containment/containment.js";
import { protectHostSecrets } from "./runner/containment/host-secrets.js";
import type { Logger } from "./logger.js";
import { healthEndpoint } from "./server/health.js";
import { createHttpServer, listen, WEBHOOK_PATH } from "./server/http-server.js";
import type { Services } from "./services.js";
import type { WorkerLoop } from "./lib/worker-loop.js";

export interface RunningApp {
  port: number;
  database: Database;
  probot: Probot;
  processor: WorkerLoop<unknown>;
  outbox: WorkerLoop<unknown>;
  /** Converges projects marked due (reconcile rows of scope `plan`). */
  reconcile: WorkerLoop<unknown>;
  /** Reads what GitHub knows: each repository periodically, a pull request whose merge is in doubt, unconfirmed references. */
  githubReader: WorkerLoop<unknown>;
  dispatcher: Dispatcher;
  services: Services;
  /** Asks GitHub again for the deliveries answered 503 while the inbox could not be written. */
  deliveryRecovery: DeliveryRecovery;
  stop(): Promise<void>;
}

export interface BootOptions {
  config: Config;
  log: Logger;
  /** Tests pass an already open database; otherwise it is opened from the config. */
  database?: Database;
  /** Tests drive the workers by hand (drain) instead of letting them poll. */
  startWorkers?: boolean;
  /** Tests hand in their own (a client of a mocked deliveries API). */
  deliveryRecovery?: DeliveryRecovery;
  /** Runner knobs beyond the environment (tests use short heartbeats and a fake agent). */
  runner?: Partial<RunnerSettings>;
  /** The outbox's pacing under GitHub's secondary limits (tests and benchmarks model time); else the config's. */
  writePacer?: WritePacer;
  /**
   * At start, ask GitHub again for the deliveries that failed while the app was down
   * (`DeliveryRecovery.catchUp`). `start` does; tests that boot on a database they filled call it themselves.
   */
  catchUpDeliveries?: boolean;
}

export class DatabaseUnavailableError extends Error {}

export async function openAndMigrate(config: Config): Promise<Database> {
  const where = config.databaseUrl ? `PostgreSQL at ${maskUrl(config.databaseUrl)}` : `PGlite in ${config.pgliteDir}`;
  let database: Database | undefined;
  try {
    if (!config.databaseUrl) await preparePgliteDir(config.dataDir, config.pgliteDir, [config.workDir]);
    database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.pgliteDir });
    await database.ping();
    await migrateDatabase(database);
    return database;
  } catch (error) {
    await database?.close().catch(() => {});
    throw new DatabaseUnavailableError(`Cannot use the database (${where}): ${(error as Error).message}`);
  }
}

export async function bootApp(options: BootOptions): Promise<RunningApp> {
  const { config, log } = options;
  if (!config.github) throw new Error("bootApp needs GitHub App credentials (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET)");
  const database = options.database ?? (await openAndMigrate(config));
  // Before any worker claims: what a crashed previous life still holds is taken again at once.
  const leaveApps = await database.joinApps(expireDeadClaims);

  const probot = new Probot({
    appId: config.github.appId,
    privateKey: config.github.privateKey,
    secret: config.github.webhookSecret,
    log: log.child({ name: "probot" }),
    Octokit: AppOctokitClass,
    ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
  });

  let outbox: WorkerLoop<unknown> | undefined;
  let githubReader: WorkerLoop<unknown> | undefined;
  const services: Services = {
    database,
    log,
    appId: config.github.appId,
    permissions: createPermissionChecker(),
    repoConfig: createRepoConfigLoader(),
    wakeOutbox: () => outbox?.wake(),
    wakeReconciler: () => githubReader?.wake(),
  };
  await probot.load(codewalkersApp(services));

  // PGlite is one connection in this thread: deliveries are stored before the workers go on.
  const intakeFirst = database.driver === "pglite" ? new IntakeFirst() : undefined;
  const turn = intakeFirst ? { turn: () => intakeFirst.turn() } : {};
  const processor = createProcessor({
    database,
    probot,
    log,
    // PGlite is one connection: a batch's transaction would keep deliveries from being stored.
    ...(intakeFirst ? {} : { services }),
    onHandled: () => outbox?.wake(),
    ...turn,
    // Short batches, so a delivery waiting to be stored never waits for many commands.
    ...(intakeFirst ? { batchLimit: 5 } : {}),
  }) as WorkerLoop<unknown>;
  const pacer = options.writePacer ?? new WritePacer(config.githubWrites.perMinute, () => Date.now(), config.githubWrites.perHour);
  outbox = createOutboxWorker({ database, probot, log, ...turn, pacer }) as WorkerLoop<unknown>;
  const reconcile = createReconcileWorker({ database, log, onReconciled: () => outbox?.wake(), ...turn }) as WorkerLoop<unknown>;
  githubReader = createGitHubReader({
    ...turn,
    database,
    probot,
    log,
    permissions: services.permissions,
    repoConfig: services.repoConfig,
    onWrites: () => outbox?.wake(),
  }) as WorkerLoop<unknown>;

  const dispatcher = await createDispatcher(config, database, probot, log, options.runner);
  const recovery =
    options.deliveryRecovery ??
    new DeliveryRecovery({
      db: database.db,
      log,
      client: appDeliveriesClient({ appId: config.github.appId, privateKey: config.github.privateKey, baseUrl: config.baseUrl }),
      probe: async () => void (await database.db.select({ seq: webhookDeliveries.seq }).from(webhookDeliveries).limit(1)),
    });
  const webhooks = webhookEndpoint({
    db: database.db,
    secret: config.github.webhookSecret,
    log,
    isHandled: isHandledEvent,
    onStored: () => processor.wake(),
    recovery,
    ...(intakeFirst ? { intakeFirst } : {}),
  });

  const server: Server = createHttpServer(
    {
      [WEBHOOK_PATH]: webhooks,
      // Where Probot's setup flow points GitHub when it registers the app without a smee channel.
      "/": webhooks,
      "/healthz": healthEndpoint(database, () => dispatcher.refusal),
      "/metrics": metricsEndpoint(database.db),
      "/ping": async (_req, res) => void res.writeHead(200, { "content-type": "text/plain" }).end("PONG"),
    },
    log,
  );
  const port = await listen(server, config.port, config.host);
  // A reconcile owed anywhere (this process or another) wakes the worker at once.
  const unlistenReconcile = await database.listen(RECONCILE_CHANNEL, () => reconcile.wake());
  if (options.startWorkers !== false) {
    processor.start();
    outbox.start();
    reconcile.start();
    githubReader.start();
    await dispatcher.start();
  }
  if (options.catchUpDeliveries) void recovery.catchUp();
  const stopProxy = config.webhookProxyUrl ? await startWebhookProxy(config.webhookProxyUrl, port, log) : undefined;
  log.info({ port, database: database.driver }, `Codewalkers is listening on port ${port}`);

  return {
    port,
    database,
    probot,
    processor,
    outbox,
    reconcile,
    githubReader,
    dispatcher,
    services,
    deliveryRecovery: recovery,
    async stop() {
      stopProxy?.();
      recovery.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dispatcher.stop({ kill: true });
      await processor.stop();
      await outbox!.stop();
      await reconcile.stop();
      await githubReader!.stop();
      await unlistenReconcile().catch(() => {}); // the database may be gone already
      await leaveApps();
      if (!options.database) await database.close();
    },
  };
}

/** The runner loop of this process, sharing the app's database and GitHub credentials. */
export async function createDispatcher(
  config: Config,
  database: Database,
  probot: Probot,
  log: Logger,
  overrides: Partial<RunnerSettings> = {},
): Promise<Dispatcher> {
  const settings: RunnerSettings = {
    workDir: config.workDir,
    agent: config.agent,
    agentCommand: config.agentCommand,
    timeoutSeconds: config.agentTimeoutSeconds,
    idleSeconds: config.agentIdleSeconds,
    maxRetries: config.agentRetries,
    secretKey: config.secretKey,
    passEnv: config.agentEnvNames ?? [],
    heartbeatMs: 2_000,
    ...overrides,
  };
  const known = [config.github?.webhookSecret, config.databaseUrl].filter((s): s is string => Boolean(s));
  const containment = await setUpContainment({
    workDir: config.workDir,
    agentUsers: config.agentUsers,
    unsafe: config.unsafeAgents,
    maxAgents: config.maxAgents,
    privateDirs: config.databaseUrl ? [] : [config.pgliteDir],
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    unsafeDatabase: config.unsafeDatabase,
  });
  if (containment.ok && containment.containment.mode !== "unsafe") {
    await protectHostSecrets(
      { files: [path.resolve(".env"), ...(process.env.PRIVATE_KEY_PATH ? [path.resolve(process.env.PRIVATE_KEY_PATH)] : [])], uid: process.getuid?.() ?? 0 },
      log,
    );
  }
  return new Dispatcher({
    containment,
    database,
    log: log.child({ name: "runner" }),
    workspace: createGitWorkspace({ workDir: config.workDir }),
    settings,
    maxAgents: config.maxAgents,
    async tokenFor(installationId) {
      const octokit = await probot.auth(installationId);
      const auth = (await octokit.auth({ type: "installation" })) as { token: string };
      return auth.token;
    },
    secrets: () => known,
  });
}

/** Forwards webhooks from a smee.io channel to this server, for development. */
async function startWebhookProxy(url: string, port: number, log: Logger): Promise<() => void> {
  const { SmeeClient } = await import("smee-client");
  const client = new SmeeClient({
    source: url,
    target: `http://127.0.0.1:${port}${WEBHOOK_PATH}`,
    logger: { info: (...a: unknown[]) => log.info(a.join(" ")), error: (...a: unknown[]) => log.error(a.join(" ")) },
  });
  await client.start();
  return () => void client.stop();
}

export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable URL)";
  }
}
