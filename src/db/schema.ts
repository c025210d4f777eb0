/**
 * The whole data model, on PostgreSQL (and PGlite, which is PostgreSQL).
 *
 * Every table, column, enum value, default, cascade rule and index of the original Codewalkers
 * schema (shared/seeds/) is here, with `timestamptz` for its integer timestamps. Columns added for
 * life on GitHub are grouped under a "GitHub" comment in each table. Ids stay text (UUIDs), as in
 * the seed, so that agents and change sets can name any entity the same way.
 */
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  json,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  type AnyPgColumn,
} from "drizzle-orm/pg-core";
import {
  AGENT_MODES,
  AGENT_STATUSES,
  CHANGE_SET_ACTIONS,
  CHANGE_SET_ENTITY_TYPES,
  CHANGE_SET_MODES,
  CHANGE_SET_STATUSES,
  CONVERSATION_STATUSES,
  DELIVERY_STATUSES,
  EXECUTION_MODES,
  INITIATIVE_STATUSES,
  MESSAGE_PARTIES,
  MESSAGE_STATUSES,
  MESSAGE_TYPES,
  OUTBOX_STATUSES,
  PHASE_STATUSES,
  TASK_CATEGORIES,
  TASK_PRIORITIES,
  TASK_STATUSES,
  TASK_TYPES,
} from "../core/statuses.js";
import type { ReviewLineComment } from "../core/refine-review.js";
import type { AgentReviewComment, VerifyFinding } from "../core/agent-modes.js";

const id = () =>
  text("id")
    .primaryKey()
    .$defaultFn(() => crypto.randomUUID());
const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();
const updatedAt = () =>
  timestamp("updated_at", { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdateFn(() => new Date());
const tstz = (name: string) => timestamp(name, { withTimezone: true });
/** GitHub ids exceed 2^31; they fit a JS number exactly (< 2^53). */
const ghId = (name: string) => bigint(name, { mode: "number" });

export const initiativeStatus = pgEnum("initiative_status", INITIATIVE_STATUSES);
export const executionMode = pgEnum("execution_mode", EXECUTION_MODES);
export const phaseStatus = pgEnum("phase_status", PHASE_STATUSES);
export const taskStatus = pgEnum("task_status", TASK_STATUSES);
export const taskCategory = pgEnum("task_category", TASK_CATEGORIES);
export const taskType = pgEnum("task_type", TASK_TYPES);
export const taskPriority = pgEnum("task_priority", TASK_PRIORITIES);
export const agentStatus = pgEnum("agent_status", AGENT_STATUSES);
export const agentMode = pgEnum("agent_mode", AGENT_MODES);
export const changeSetMode = pgEnum("change_set_mode", CHANGE_SET_MODES);
export const changeSetStatus = pgEnum("change_set_status", CHANGE_SET_STATUSES);
export const changeSetEntityType = pgEnum("change_set_entity_type", CHANGE_SET_ENTITY_TYPES);
export const changeSetAction = pgEnum("change_set_action", CHANGE_SET_ACTIONS);
export const messageParty = pgEnum("message_party", MESSAGE_PARTIES);
export const messageType = pgEnum("message_type", MESSAGE_TYPES);
export const messageStatus = pgEnum("message_status", MESSAGE_STATUSES);
export const conversationStatus = pgEnum("conversation_status", CONVERSATION_STATUSES);
export const deliveryStatus = pgEnum("delivery_status", DELIVERY_STATUSES);
export const outboxStatus = pgEnum("outbox_status", OUTBOX_STATUSES);

// ============================================================================
// PROJECTS — a repository the app is installed on
// ============================================================================
export const projects = pgTable(
  "projects",
  {
    id: id(),
    name: text("name").notNull().unique(), // "owner/repo"
    url: text("url").notNull().unique(), // clone_url as the API returns it
    defaultBranch: text("default_branch").notNull().default("main"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    // GitHub
    installationId: ghId("installation_id"),
    repositoryId: ghId("repository_id").unique(),
    repositoryNodeId: text("repository_node_id"),
    owner: text("owner"),
    repo: text("repo"),
    private: boolean("private").notNull().default(false),
    /** False once the app is uninstalled or the repository removed from the installation. */
    installed: boolean("installed").notNull().default(true),
    lastReconciledAt: tstz("last_reconciled_at"),
    /** The last valid `.github/codewalkers.yml`, as the runner needs it (per-repo agent limit). */
    config: jsonb("config").$type<Record<string, unknown>>(),
  },
  (t) => [index("projects_installation_id_idx").on(t.installationId)],
);

// ============================================================================
// INITIATIVES — a milestone
// ============================================================================
export const initiatives = pgTable(
  "initiatives",
  {
    id: id(),
    name: text("name").notNull(),
    status: initiativeStatus("status").notNull().default("active"),
    mergeRequiresApproval: boolean("merge_requires_approval").notNull().default(true),
    branch: text("branch"), // cw/<slug>, made lazily from the default branch
    executionMode: executionMode("execution_mode").notNull().default("review_per_phase"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    // GitHub
    projectId: text("project_id").references(() => projects.id, { onDelete: "cascade" }),
    milestoneNumber: integer("milestone_number"),
    milestoneId: ghId("milestone_id"),
    milestoneNodeId: text("milestone_node_id"),
    description: text("description"),
    /** Settings parsed from the milestone description's block (validated, may be empty). */
    settings: jsonb("settings").$type<Record<string, unknown>>().notNull().default({}),
    /** Why the milestone's settings block was refused (then `settings` is empty): told once on a task's issue. */
    settingsError: text("settings_error"),
    requiresApproval: boolean("requires_approval"), // null = inherit from repo config
    prNumber: integer("pr_number"), // initiative branch → default branch
    headSha: text("head_sha"),
  },
  (t) => [uniqueIndex("initiatives_project_milestone_unique").on(t.projectId, t.milestoneNumber)],
);

// ============================================================================
// PHASES — an issue labelled cw:phase in the milestone
// ============================================================================
export const phases = pgTable(
  "phases",
  {
    id: id(),
    initiativeId: text("initiative_id")
      .notNull()
      .references(() => initiatives.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    content: text("content"),
    status: phaseStatus("status").notNull().default("pending"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    // GitHub
    projectId: text("project_id").references(() => projects.id, { onDelete: "cascade" }),
    issueNumber: integer("issue_number"),
    issueId: ghId("issue_id"),
    issueNodeId: text("issue_node_id"),
    branch: text("branch"),
    prNumber: integer("pr_number"), // phase branch → initiative branch
    prNodeId: text("pr_node_id"),
    headSha: text("head_sha"),
    approvedSha: text("approved_sha"),
    issueState: text("issue_state").$type<"open" | "closed">().notNull().default("open"),
    /** Labels the phase issue carries, as last seen (see tasks.labels). */
    labels: jsonb("labels").$type<string[]>().notNull().default([]),
  },
  (t) => [uniqueIndex("phases_project_issue_unique").on(t.projectId, t.issueNumber), index("phases_initiative_id_idx").on(t.initiativeId)],
);

export const phaseDependencies = pgTable(
  "phase_dependencies",
  {
    id: id(),
    phaseId: text("phase_id")
      .notNull()
      .references(() => phases.id, { onDelete: "cascade" }),
    dependsOnPhaseId: text("depends_on_phase_id")
      .notNull()
      .references(() => phases.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("phase_dependencies_unique").on(t.phaseId, t.dependsOnPhaseId)],
);

// ============================================================================
// TASKS — an issue (a sub-issue of a phase, or of nothing)
// ============================================================================
export const tasks = pgTable(
  "tasks",
  {
    id: id(),
    phaseId: text("phase_id").references(() => phases.id, { onDelete: "cascade" }),
    initiativeId: text("initiative_id").references(() => initiatives.id, { onDelete: "cascade" }),
    parentTaskId: text("parent_task_id").references((): AnyPgColumn => tasks.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description"), // sanitized issue body: the only text agents are given
    type: taskType("type").notNull().default("auto"),
    category: taskCategory("category").notNull().default("execute"),
    priority: taskPriority("priority").notNull().default("medium"),
    status: taskStatus("status").notNull().default("pending"),
    requiresApproval: boolean("requires_approval"), // null = inherit from initiative
    order: integer("order").notNull().default(0),
    summary: text("summary"), // agent result summary, propagated to dependents as context
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    // GitHub
    projectId: text("project_id").references(() => projects.id, { onDelete: "cascade" }),
    issueNumber: integer("issue_number"),
    issueId: ghId("issue_id"),
    issueNodeId: text("issue_node_id"),
    issueState: text("issue_state").$type<"open" | "closed">().notNull().default("open"),
    /** Labels the issue carries, as last seen: lets the outbox skip writes that change nothing. */
    labels: jsonb("labels").$type<string[]>().notNull().default([]),
    branch: text("branch"),
    prNumber: integer("pr_number"), // standalone tasks: their own PR to the default branch
    headSha: text("head_sha"),
    triggeredBy: text("triggered_by"), // login of the writer who labelled or commanded
    /** Fences completions: a runner's result counts only for the attempt it claimed. */
    attempt: integer("attempt").notNull().default(0),
    retryCount: integer("retry_count").notNull().default(0),
    runAfter: tstz("run_after"),
    claimedBy: text("claimed_by"),
    leaseExpiresAt: tstz("lease_expires_at"),
    lastError: text("last_error"),
    blockedReason: text("blocked_reason"),
    /** Longest chain of unfinished work waiting on this task (itself included): dispatch order. */
    criticalPath: integer("critical_path").notNull().default(1),
    /**
     * A refine task (no issue): the app's pull request whose requested changes it makes. Its
     * work is merged into that pull request's head; see refine_reviews for what was asked.
     */
    pullRequestId: text("pull_request_id").references((): AnyPgColumn => pullRequests.id, { onDelete: "cascade" }),
    // Agent modes (core/agent-modes.ts)
    /** A verify task's last verdict, on the commit in `head_sha`; null until it has one. */
    verdict: text("verdict").$type<"pass" | "fail">(),
    /** A verify task's last findings. */
    findings: jsonb("findings").$type<VerifyFinding[]>(),
    /** A fix task: the verify task whose failed verdict it answers (that verify runs again once it is done). */
    fixesTaskId: text("fixes_task_id").references((): AnyPgColumn => tasks.id, { onDelete: "set null" }),
  },
  (t) => [
    uniqueIndex("tasks_project_issue_unique").on(t.projectId, t.issueNumber),
    index("tasks_status_idx").on(t.status),
    index("tasks_dispatch_idx").on(t.priority, t.criticalPath, t.order).where(sql`${t.status} = 'pending'`),
    index("tasks_phase_id_idx").on(t.phaseId),
    index("tasks_initiative_id_idx").on(t.initiativeId),
    index("tasks_pull_request_id_idx").on(t.pullRequestId),
  ],
);

export const taskDependencies = pgTable(
  "task_dependencies",
  {
    id: id(),
    taskId: text("task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    dependsOnTaskId: text("depends_on_task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("task_dependencies_unique").on(t.taskId, t.dependsOnTaskId), index("task_dependencies_depends_on_idx").on(t.dependsOnTaskId)],
);

// ============================================================================
// ACCOUNTS — agent-provider credentials, encrypted at rest
// ============================================================================
export const accounts = pgTable("accounts", {
  id: id(),
  email: text("email").notNull(),
  provider: text("provider").notNull().default("claude"),
  configJson: text("config_json"), // encrypted (AES-256-GCM with CW_SECRET_KEY)
  credentials: text("credentials"), // encrypted (AES-256-GCM with CW_SECRET_KEY)
  // Issue #11: the account's own settings, `{"env":{…},"baseUrl":"…"}`, encrypted like the credentials.
  settings: text("settings"),
  // Issue #11: the provider refused the credentials (401); the account is skipped until `accounts test` passes.
  invalidReason: text("invalid_reason"),
  invalidAt: tstz("invalid_at"),
  isExhausted: boolean("is_exhausted").notNull().default(false),
  exhaustedUntil: tstz("exhausted_until"),
  lastUsedAt: tstz("last_used_at"),
  sortOrder: integer("sort_order").notNull().default(0),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

// ============================================================================
// AGENTS — a process the runner spawns in its own worktree
// ============================================================================
export const agents = pgTable(
  "agents",
  {
    id: id(),
    name: text("name").notNull().unique(), // readable alias, e.g. "jolly-penguin"
    taskId: text("task_id").references(() => tasks.id, { onDelete: "set null" }),
    initiativeId: text("initiative_id").references(() => initiatives.id, { onDelete: "set null" }),
    sessionId: text("session_id"),
    worktreeId: text("worktree_id").notNull(),
    provider: text("provider").notNull().default("claude"),
    accountId: text("account_id").references(() => accounts.id, { onDelete: "set null" }),
    status: agentStatus("status").notNull().default("idle"),
    mode: agentMode("mode").notNull().default("execute"),
    pid: integer("pid"),
    exitCode: integer("exit_code"),
    outputFilePath: text("output_file_path"),
    result: text("result"),
    pendingQuestions: text("pending_questions"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    userDismissedAt: tstz("user_dismissed_at"),
    // Runner
    runnerId: text("runner_id"),
    host: text("host"),
    attempt: integer("attempt").notNull().default(0),
    heartbeatAt: tstz("heartbeat_at"),
    startedAt: tstz("started_at"),
    finishedAt: tstz("finished_at"),
    /** Usage and cost as the agent reported them (tokens, USD). */
    usage: jsonb("usage").$type<Record<string, unknown>>(),
    costUsd: text("cost_usd"),
    // Watching agents (the task's check run): the commit it is shown on, the last lines of its
    // log as last published (at most every 10 s) and when, and the size of its change.
    headSha: text("head_sha"),
    logTail: text("log_tail"),
    logTailAt: tstz("log_tail_at"),
    diffStat: text("diff_stat"),
  },
  (t) => [index("agents_task_id_idx").on(t.taskId), index("agents_status_idx").on(t.status)],
);

// ============================================================================
// CHANGE SETS — what a plan/detail/refine agent created or edited
// ============================================================================
export const changeSets = pgTable(
  "change_sets",
  {
    id: id(),
    agentId: text("agent_id").references(() => agents.id, { onDelete: "set null" }),
    agentName: text("agent_name").notNull(),
    initiativeId: text("initiative_id")
      .notNull()
      .references(() => initiatives.id, { onDelete: "cascade" }),
    mode: changeSetMode("mode").notNull(),
    summary: text("summary"),
    status: changeSetStatus("status").notNull().default("applied"),
    revertedAt: tstz("reverted_at"),
    createdAt: createdAt(),
    // GitHub
    projectId: text("project_id").references(() => projects.id, { onDelete: "cascade" }),
    /** The plan, detail or refine issue whose agent proposed it: where its one comment lives. */
    issueNumber: integer("issue_number"),
    taskId: text("task_id").references((): AnyPgColumn => tasks.id, { onDelete: "set null" }),
    /** The writer on whose word it is applied (who started the planning task, or `/cw apply`). */
    appliedBy: text("applied_by"),
    /**
     * Its pages' commit on the initiative branch: none (also: withdrawn, the set having failed
     * before they were written), to write, written, to remove, removed, or failed (given up).
     */
    pagesState: text("pages_state").$type<"none" | "write" | "written" | "remove" | "removed" | "failed">().notNull().default("none"),
    /** Failed tries at the pages' commit so far, and when the next may be made. */
    pagesAttempts: integer("pages_attempts").notNull().default(0),
    pagesRetryAt: tstz("pages_retry_at"),
    /** Why it failed (status `failed`), as its comment says; or, while pages_state is `failed`, why the pages did. */
    failure: text("failure"),
    /** What the last revert could not undo, said in its reply. */
    revertNotes: jsonb("revert_notes").$type<string[]>(),
  },
  (t) => [index("change_sets_initiative_id_idx").on(t.initiativeId)],
);

export const changeSetEntries = pgTable(
  "change_set_entries",
  {
    id: id(),
    changeSetId: text("change_set_id")
      .notNull()
      .references(() => changeSets.id, { onDelete: "cascade" }),
    entityType: changeSetEntityType("entity_type").notNull(),
    entityId: text("entity_id").notNull(),
    action: changeSetAction("action").notNull(),
    previousState: text("previous_state"), // JSON snapshot, null for creates
    newState: text("new_state"), // JSON snapshot, null for deletes
    sortOrder: integer("sort_order").notNull().default(0),
    createdAt: createdAt(),
    // GitHub
    /** The plan's own name for it (`p1`, `t3`, a page path, `#12` for an edit): unique in its change set, its idempotency key. */
    key: text("key"),
    issueNumber: integer("issue_number"),
    issueId: ghId("issue_id"),
    /** What of it is on GitHub so far: `created`, `linked` (sub-issue), `blockedBy` (issue numbers), `edited`, and their undoing. */
    progress: jsonb("progress").$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index("change_set_entries_change_set_id_idx").on(t.changeSetId), uniqueIndex("change_set_entries_key_unique").on(t.changeSetId, t.key)],
);

// ============================================================================
// MESSAGES — questions and answers, as issue comments
// ============================================================================
export const messages = pgTable(
  "messages",
  {
    id: id(),
    senderType: messageParty("sender_type").notNull(),
    senderId: text("sender_id").references(() => agents.id, { onDelete: "set null" }),
    recipientType: messageParty("recipient_type").notNull(),
    recipientId: text("recipient_id").references(() => agents.id, { onDelete: "set null" }),
    type: messageType("type").notNull().default("info"),
    content: text("content").notNull(),
    requiresResponse: boolean("requires_response").notNull().default(false),
    status: messageStatus("status").notNull().default("pending"),
    parentMessageId: text("parent_message_id").references((): AnyPgColumn => messages.id, {
      onDelete: "set null",
    }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    // GitHub
    taskId: text("task_id").references(() => tasks.id, { onDelete: "cascade" }),
    commentId: ghId("comment_id"),
    author: text("author"),
  },
  (t) => [index("messages_task_id_idx").on(t.taskId)],
);

// ============================================================================
// PAGES — initiative documents
// ============================================================================
export const pages = pgTable("pages", {
  id: id(),
  initiativeId: text("initiative_id")
    .notNull()
    .references(() => initiatives.id, { onDelete: "cascade" }),
  parentPageId: text("parent_page_id").references((): AnyPgColumn => pages.id, { onDelete: "cascade" }),
  title: text("title").notNull(),
  content: text("content"),
  sortOrder: integer("sort_order").notNull().default(0),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  // GitHub
  /** Where it lives on the initiative branch (`docs/initiatives/<slug>/<path>`), and its blob there. */
  path: text("path"),
  blobSha: text("blob_sha"),
  /** The change set that wrote it last. */
  changeSetId: text("change_set_id"),
});

// ============================================================================
// INITIATIVE PROJECTS (junction)
// ============================================================================
export const initiativeProjects = pgTable(
  "initiative_projects",
  {
    id: id(),
    initiativeId: text("initiative_id")
      .notNull()
      .references(() => initiatives.id, { onDelete: "cascade" }),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("initiative_project_unique").on(t.initiativeId, t.projectId)],
);

// ============================================================================
// AGENT LOG CHUNKS — the agent's JSONL output, redacted, in order
// ============================================================================
export const agentLogChunks = pgTable(
  "agent_log_chunks",
  {
    id: id(),
    agentId: text("agent_id").notNull(), // no FK: survives agent deletion
    agentName: text("agent_name").notNull(),
    sessionNumber: integer("session_number").notNull().default(1),
    content: text("content").notNull(),
    createdAt: createdAt(),
    seq: bigserial("seq", { mode: "number" }).notNull(),
  },
  (t) => [index("agent_log_chunks_agent_id_idx").on(t.agentId)],
);

// ============================================================================
// CONVERSATIONS — inter-agent questions
// ============================================================================
export const conversations = pgTable(
  "conversations",
  {
    id: id(),
    fromAgentId: text("from_agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    toAgentId: text("to_agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    initiativeId: text("initiative_id").references(() => initiatives.id, { onDelete: "set null" }),
    phaseId: text("phase_id").references(() => phases.id, { onDelete: "set null" }),
    taskId: text("task_id").references(() => tasks.id, { onDelete: "set null" }),
    question: text("question").notNull(),
    answer: text("answer"),
    status: conversationStatus("status").notNull().default("pending"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("conversations_to_agent_status_idx").on(t.toAgentId, t.status), index("conversations_from_agent_idx").on(t.fromAgentId)],
);

// ============================================================================
// INBOX — every verified webhook delivery, stored before it is acknowledged
// ============================================================================
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    /** Arrival order: the processor takes each repository's deliveries in this order. */
    seq: bigserial("seq", { mode: "number" }).primaryKey(),
    deliveryId: text("delivery_id").notNull().unique(), // X-GitHub-Delivery
    event: text("event").notNull(),
    action: text("action"),
    installationId: ghId("installation_id"),
    /** Serialises processing: "repo:<id>", or "installation:<id>" for installation-wide events. */
    queueKey: text("queue_key").notNull(),
    /**
     * `json`, not `jsonb`: the payload is stored once and read back whole, never queried inside,
     * and PostgreSQL only validates `json` instead of converting it (a third of intake's cost).
     */
    payload: json("payload").$type<Record<string, unknown>>().notNull(),
    status: deliveryStatus("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    runAfter: tstz("run_after").notNull().defaultNow(),
    lockedUntil: tstz("locked_until"),
    error: text("error"),
    receivedAt: tstz("received_at").notNull().defaultNow(),
    processedAt: tstz("processed_at"),
  },
  (t) => [
    // Claims walk the pending rows in arrival order; done rows (nearly all) are never scanned.
    index("webhook_deliveries_claim_idx").on(t.seq).where(sql`${t.status} = 'pending'`),
    index("webhook_deliveries_processing_idx").on(t.queueKey).where(sql`${t.status} = 'processing'`),
  ],
);

// ============================================================================
// OUTBOX — every GitHub write the app intends, performed by the outbox worker
// ============================================================================
export const outbox = pgTable(
  "outbox",
  {
    seq: bigserial("seq", { mode: "number" }).primaryKey(),
    /** One pending write per target: a newer intent replaces an older one (coalescing). */
    targetKey: text("target_key").notNull(),
    operation: text("operation").notNull(),
    installationId: ghId("installation_id"),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    status: outboxStatus("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    runAfter: tstz("run_after").notNull().defaultNow(),
    lockedUntil: tstz("locked_until"),
    lastError: text("last_error"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("outbox_pending_target_unique").on(t.targetKey).where(sql`${t.status} = 'pending'`),
    index("outbox_claim_idx").on(t.runAfter, t.seq).where(sql`${t.status} = 'pending'`),
  ],
);

/**
 * GitHub asked an installation's writes to wait (a secondary rate limit: 403 or 429 with
 * `retry-after`). It counts every write of the installation, so no outbox row of it is claimed
 * before `until` — by any app process on this database, whether the row waited already or was
 * recorded after the answer.
 */
export const installationHolds = pgTable("installation_holds", {
  installationId: ghId("installation_id").primaryKey(),
  until: tstz("until").notNull(),
});

/**
 * Links between issues as GitHub and the issue bodies state them, whether or not either end is a
 * task yet: "blocked by" (native dependencies and `Depends on #N` lines) and sub-issues. Task and
 * phase dependencies are derived from these, so a link recorded before its issue became a task
 * still counts once it does.
 */
export const issueLinks = pgTable(
  "issue_links",
  {
    id: id(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    kind: text("kind").$type<"blocked_by" | "sub_issue">().notNull(),
    /** Where the link comes from: GitHub's own relation or a line in the issue body. */
    source: text("source").$type<"native" | "body">().notNull(),
    /** The dependent issue (blocked_by) or the parent (sub_issue), in this repository. */
    fromNumber: integer("from_number").notNull(),
    /** "owner/repo" of the other end: a blocker may live in another repository. */
    toRepo: text("to_repo").notNull(),
    toNumber: integer("to_number").notNull(),
    toIssueId: ghId("to_issue_id"),
    /** What is known of the other end: a missing or unreadable blocker is reported once. */
    toState: text("to_state").$type<"open" | "closed" | "missing" | "unreadable">().notNull().default("open"),
    /**
     * False until the other end's state is known from GitHub (a webhook about it, or a read).
     * An unverified end counts as open; the reconciler reads the ones no webhook confirms.
     */
    verified: boolean("verified").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("issue_links_unique").on(t.projectId, t.kind, t.source, t.fromNumber, t.toRepo, t.toNumber),
    index("issue_links_to_idx").on(t.toRepo, t.toNumber),
  ],
);

/**
 * The newest text (title and body) of an issue that a writer stood behind, with GitHub's
 * `updated_at` of that version. Webhooks can arrive out of order: a writer's edit delivered
 * before the event that makes the issue a task is remembered here, and an older snapshot
 * delivered late never replaces a newer trusted text.
 */
export const issueTexts = pgTable(
  "issue_texts",
  {
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    issueNumber: integer("issue_number").notNull(),
    title: text("title").notNull(),
    body: text("body"),
    editedAt: timestamp("edited_at", { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.issueNumber] })],
);

/**
 * The pull requests the app opens: a phase's (phase branch → initiative branch), an
 * initiative's (initiative branch → default branch) and a standalone task's (its branch →
 * default branch). Mirrors what GitHub says of each, from the app's own writes and webhooks.
 */
export const pullRequests = pgTable(
  "pull_requests",
  {
    id: id(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    kind: text("kind").$type<"phase" | "initiative" | "task">().notNull(),
    /** The phase, initiative or task the pull request carries. */
    subjectId: text("subject_id").notNull(),
    head: text("head").notNull(),
    base: text("base").notNull(),
    number: integer("number"),
    nodeId: text("node_id"),
    headSha: text("head_sha"),
    state: text("state").$type<"open" | "closed">().notNull().default("open"),
    draft: boolean("draft").notNull().default(true),
    merged: boolean("merged").notNull().default(false),
    mergedSha: text("merged_sha"),
    title: text("title"),
    bodyHash: text("body_hash"),
    /** The head an approving writer reviewed; a merge is only ever attempted with it as guard. */
    approvedSha: text("approved_sha"),
    approvedBy: text("approved_by"),
    /** Why a merge waits, when it does (shown in a comment). */
    mergeBlockedReason: text("merge_blocked_reason"),
    /**
     * The head GitHub refused to merge because it conflicts with its base (a fact the merge
     * operation records): the reconcile queues a branch update for it, once.
     */
    conflictSha: text("conflict_sha"),
    /** Reviewers from the repository config were asked once; people may change them after. */
    reviewRequested: boolean("review_requested").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("pull_requests_head_base_unique").on(t.projectId, t.head, t.base), index("pull_requests_number_idx").on(t.projectId, t.number)],
);

/**
 * The reviews that asked for changes on one of the app's pull requests, each tied to the refine
 * task that makes them (several reviews submitted before it starts share one task). What the
 * agent is given is rendered from these rows; a dismissed review is dropped from a refine that
 * has not started.
 */
export const refineReviews = pgTable(
  "refine_reviews",
  {
    id: id(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    taskId: text("task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    pullRequestId: text("pull_request_id")
      .notNull()
      .references(() => pullRequests.id, { onDelete: "cascade" }),
    reviewId: ghId("review_id").notNull(),
    reviewer: text("reviewer").notNull(),
    /** The review's body, sanitized. */
    body: text("body").notNull(),
    htmlUrl: text("html_url"),
    /** The commit the review was made on. */
    commitId: text("commit_id"),
    /** Its line comments (file, line, diff hunk, sanitized body), as GitHub listed them. */
    comments: jsonb("comments").$type<ReviewLineComment[]>().notNull().default([]),
    dismissed: boolean("dismissed").notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("refine_reviews_review_unique").on(t.projectId, t.reviewId), index("refine_reviews_task_id_idx").on(t.taskId)],
);

/**
 * Reviews a review agent posted on one of the app's pull requests (`agent_review: true`), with
 * the line comments GitHub made of them. A writer's `/cw refine` on the pull request endorses
 * the newest one: it becomes a refine, as a person's "request changes" would.
 */
export const agentReviews = pgTable(
  "agent_reviews",
  {
    id: id(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    pullRequestId: text("pull_request_id")
      .notNull()
      .references(() => pullRequests.id, { onDelete: "cascade" }),
    /** The review task whose agent wrote it. */
    taskId: text("task_id").references(() => tasks.id, { onDelete: "set null" }),
    agentName: text("agent_name"),
    reviewId: ghId("review_id").notNull(),
    htmlUrl: text("html_url"),
    commitId: text("commit_id"),
    /** The review's body as posted (already agent text: redacted, inert). */
    body: text("body").notNull(),
    comments: jsonb("comments").$type<AgentReviewComment[]>().notNull().default([]),
    /** Who endorsed it with `/cw refine`, once. */
    endorsedBy: text("endorsed_by"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("agent_reviews_review_unique").on(t.projectId, t.reviewId), index("agent_reviews_pull_request_idx").on(t.pullRequestId)],
);

/** The app's check runs, one per head commit and name, so an update is one PATCH or none. */
export const checkRuns = pgTable(
  "check_runs",
  {
    id: id(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    headSha: text("head_sha").notNull(),
    name: text("name").notNull(),
    checkRunId: ghId("check_run_id").notNull(),
    outputHash: text("output_hash"),
    /** queued | in_progress | completed, as last written: a run left behind on an older commit is completed too. */
    status: text("status"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("check_runs_head_name_unique").on(t.projectId, t.headSha, t.name)],
);

/** Comments the app owns, by marker, so it edits its own comment instead of posting anew. */
export const githubComments = pgTable(
  "github_comments",
  {
    id: id(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    issueNumber: integer("issue_number").notNull(),
    marker: text("marker").notNull(),
    commentId: ghId("comment_id").notNull(),
    bodyHash: text("body_hash"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("github_comments_marker_unique").on(t.projectId, t.issueNumber, t.marker)],
);

/** Label definitions known to exist on a repository, so `ensure labels` reads and writes once. */
export const repoLabels = pgTable(
  "repo_labels",
  {
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    color: text("color").notNull(),
    description: text("description"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("repo_labels_unique").on(t.projectId, t.name)],
);

/**
 * Reconciles owed, as rows (like the GitHub writes in the outbox). A command marks its project
 * due in its own transaction; the reconcile worker claims due rows (`FOR UPDATE SKIP LOCKED`,
 * woken by NOTIFY) and completes one only if nothing marked it again meanwhile (`generation`).
 * Scopes: `plan` converges the project from stored state (statuses, labels, pull requests);
 * `github` reads the repository from GitHub (milestones, issues, pull requests) and is due again
 * after an interval; `pull-request:<id>` reads one of the app's pull requests from GitHub.
 */
export const reconcileDue = pgTable(
  "reconcile_due",
  {
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    scope: text("scope").notNull(),
    dueAt: tstz("due_at").notNull().defaultNow(),
    /** Bumped by every mark: a reconcile completes the row only if it saw the last mark. */
    generation: integer("generation").notNull().default(1),
    attempts: integer("attempts").notNull().default(0),
    lockedUntil: tstz("locked_until"),
    lastError: text("last_error"),
    /**
     * A mark asked for now (a run ended: someone waits for the next task) since the row was last
     * claimed: the row is not spaced out after the reconcile that is running (PLAN_SPACING_MS).
     */
    urgent: boolean("urgent").notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.scope] }), index("reconcile_due_claim_idx").on(t.dueAt)],
);

/**
 * A reply to a writer's `/cw …` comment that the project's next reconcile writes: a `/cw status`
 * asked while a reconcile was owed must report the state that reconcile settles, and any later
 * reply on the same issue queues behind it, so the reply comment never goes back in time. The
 * reconcile answers every row of its project, in order, and deletes them in its transaction.
 */
export const owedReplies = pgTable(
  "owed_replies",
  {
    seq: bigserial("seq", { mode: "number" }).primaryKey(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    issueNumber: integer("issue_number").notNull(),
    isPullRequest: boolean("is_pull_request").notNull().default(false),
    /** Who asked: the reply mentions them. */
    requestedBy: text("requested_by").notNull(),
    /** The comment's commands in order, each with its reply; `null` where the reconcile answers (`/cw status`). */
    parts: jsonb("parts").$type<{ line: string; reply: string | null }[]>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("owed_replies_project_idx").on(t.projectId, t.issueNumber)],
);

// ============================================================================
// PROJECT BOARDS (Projects v2) — what the app knows of each board and of its cards
// ============================================================================

/**
 * An organization project named by a `board:` setting, keyed "org/number" (org lowercased).
 * `shape` is what the app last read of it (node id, fields, options); `problem` says why the app
 * cannot use it (unreachable, no Status field…), null when it can.
 */
export const boards = pgTable("boards", {
  key: text("key").primaryKey(),
  org: text("org").notNull(),
  number: integer("number").notNull(),
  projectNodeId: text("project_node_id"),
  shape: jsonb("shape").$type<Record<string, unknown>>(),
  problem: text("problem"),
  /** When the board was last read from GitHub; a problem is read again after a while. */
  checkedAt: tstz("checked_at"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * One task or phase issue's card on a board. `desired` is what the reconcile last asked for (in
 * the app's terms: status, phase, priority, agent, attempts); `shown` is what the board shows as
 * far as the app knows (field name → option name, text or number), from its own writes and
 * people's moves. `removed`: a person deleted the card; it comes back on the next change.
 */
export const boardItems = pgTable(
  "board_items",
  {
    id: id(),
    boardKey: text("board_key")
      .notNull()
      .references(() => boards.key, { onDelete: "cascade" }),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    issueNumber: integer("issue_number").notNull(),
    contentNodeId: text("content_node_id").notNull(),
    itemId: text("item_id"),
    desired: jsonb("desired").$type<Record<string, unknown>>(),
    shown: jsonb("shown").$type<Record<string, unknown>>().notNull().default({}),
    removed: boolean("removed").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("board_items_content_unique").on(t.boardKey, t.contentNodeId),
    index("board_items_project_idx").on(t.projectId),
    index("board_items_item_idx").on(t.itemId),
  ],
);
