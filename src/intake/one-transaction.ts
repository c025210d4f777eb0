/**
 * A repository's batch of deliveries handled in one transaction (PostgreSQL): the project's lock
 * is taken once, each delivery's handler runs in turn with the batch's services (its commands are
 * part of the transaction, see holdingProjectLock), the deliveries are marked done with what they
 * changed, and it all commits once. Per delivery that saves a transaction's begin, lock and
 * commit, and the project's read; a delivery is never done without its changes, nor its changes
 * kept without it being done.
 *
 * The transaction never waits on GitHub (no transaction is ever held across network work): in a
 * batch, a writer check or the repository's config is answered only from what was remembered
 * lately, and the handlers' Octokit refuses every request. A check or a config not remembered is
 * fetched once the attempt is rolled back, and the batch tried again: the same questions one
 * delivery at a time would have asked. A request of a handler's own, a handler that fails, a
 * command on another project (or PostgreSQL ending the attempt, a deadlock say) gives the batch
 * up: the processor then handles it one delivery at a time, as it does on PGlite, where GitHub
 * is read and failures are recorded per delivery.
 */
import { Context, type Probot } from "probot";
import { handlerFor } from "../app.js";
import type { Db, Tx } from "../db/client.js";
import { holdingProjectLock } from "../core/commands/project-transaction.js";
import { markOthersDue } from "../core/commands/mark-others-due.js";
import type { Project } from "../core/commands/upsert-project.js";
import type { Logger } from "../logger.js";
import type { Services } from "../services.js";
import { findProject } from "../webhooks/project-for.js";
import { completeDeliveries, type StoredDelivery } from "./delivery-queue.js";
import { repositoryIdOf } from "./queue-key.js";

/**
 * Thrown inside a batch for what only GitHub can answer. With `ask`, the answer can be had outside
 * the transaction (it is then remembered) and the batch tried again; without, the batch is
 * handled one delivery at a time.
 */
export class NeedsGitHub extends Error {
  override name = "NeedsGitHub";
  constructor(
    message: string,
    readonly ask?: (context: Context) => Promise<unknown>,
  ) {
    super(message);
  }
}

/**
 * How many answers a batch may fetch from GitHub and try again for: about one per person and one
 * for the config, at the start of a burst. Beyond, one delivery at a time.
 */
const MAX_ASKS = 4;

export type OneTransactionOutcome = { handled: true } | { handled: false; reason: string };

type Attempt = OneTransactionOutcome | { needs: NeedsGitHub; delivery: StoredDelivery };

export async function handleInOneTransaction(
  services: Services,
  probot: Pick<Probot, "auth">,
  log: Logger,
  batch: readonly StoredDelivery[],
): Promise<OneTransactionOutcome> {
  const [first] = batch;
  const repositoryId = first ? repositoryIdOf(first.queueKey) : undefined;
  if (!first || repositoryId === undefined || first.installationId === null) return { handled: false, reason: "not a repository's deliveries" };
  const db = services.database.db;
  // Read once for the batch: handlers take it from `batchProjects` rather than each reading it.
  const project = await findProject(db, repositoryId);
  if (!project) return { handled: false, reason: "the repository is not recorded yet" };

  // One client for the batch (not one per delivery), which never reaches GitHub; and one that
  // does, made at the first answer fetched between attempts.
  const refusing = await probot.auth(first.installationId);
  refusing.hook.before("request", (request) => {
    throw new NeedsGitHub(`${request.method} ${request.url}`);
  });
  let asking: Context["octokit"] | undefined;
  for (let asked = 0; ; asked++) {
    const attempt = await attemptOnce(services, refusing, log, batch, repositoryId, project);
    if (!("needs" in attempt)) return attempt;
    const { needs, delivery } = attempt;
    if (!needs.ask || asked === MAX_ASKS) return { handled: false, reason: `${needs.name}: ${needs.message}` };
    try {
      asking ??= await probot.auth(first.installationId);
      await needs.ask(contextOf(delivery, asking, log));
    } catch (error) {
      return { handled: false, reason: `asking GitHub failed: ${describe(error)}` };
    }
  }
}

async function attemptOnce(
  services: Services,
  octokit: Context["octokit"],
  log: Logger,
  batch: readonly StoredDelivery[],
  repositoryId: number,
  project: Project,
): Promise<Attempt> {
  const projectId = project.id;
  const db = services.database.db;
  let current: StoredDelivery | undefined;
  let othersDue: string[];
  try {
    ({ othersDue } = await holdingProjectLock(db, projectId, async (tx) => {
      // Each attempt starts from the project as read, not as a rolled-back attempt left it.
      const inBatch = batchServices(services, tx, new Map([[repositoryId, project]]));
      for (const delivery of batch) {
        current = delivery;
        await handlerFor(delivery.event, inBatch)?.(contextOf(delivery, octokit, log));
      }
      await completeDeliveries({ db: tx }, batch);
    }));
  } catch (error) {
    if (error instanceof NeedsGitHub && current) return { needs: error, delivery: current };
    return { handled: false, reason: describe(error) };
  }
  // Committed: the deliveries are done whatever happens next. A mark that fails here is made
  // good by the periodic reconcile, as after a command of its own.
  await markOthersDue(db, othersDue, projectId).catch((error: unknown) => {
    log.warn({ projects: othersDue, error: describe(error) }, "could not mark other projects due after a batch");
  });
  return { handled: true };
}

function contextOf(delivery: StoredDelivery, octokit: Context["octokit"], log: Logger): Context {
  const event = { id: delivery.deliveryId, name: delivery.event, payload: delivery.payload } as ConstructorParameters<typeof Context>[0];
  return new Context(event, octokit, log.child({ delivery: delivery.deliveryId, event: delivery.event }));
}

/** A one-line reason for the debug log, with the database's own message (drizzle wraps it in a "Failed query" error). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
  return `${error.name}: ${error.message.split("\n")[0]}${cause}`;
}

/** The services a batch's handlers see: its transaction, and GitHub's answers only as remembered. */
function batchServices(services: Services, tx: Tx, batchProjects: Map<number, Project>): Services {
  return {
    ...services,
    batchProjects,
    database: { ...services.database, db: tx as unknown as Db },
    permissions: {
      ...services.permissions,
      check: async (_octokit, query) => {
        const known = services.permissions.peek(query);
        if (known) return known;
        throw new NeedsGitHub(`the permission of ${query.login} is not remembered`, (context) => services.permissions.check(context.octokit, query));
      },
    },
    repoConfig: {
      ...services.repoConfig,
      load: async (context) => {
        const known = services.repoConfig.peek(context);
        if (known) return known;
        throw new NeedsGitHub("the repository's config is not remembered", (real) => services.repoConfig.load(real));
      },
    },
  };
}
