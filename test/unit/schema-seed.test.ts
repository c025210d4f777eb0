/**
 * The foundation's "done when": every table, column, index, enum value and cascade rule of the
 * seed schema (shared/seeds/000_e54946d387a39cd5.txt, a Drizzle SQLite schema) exists in the
 * migrated database. The lists below are written by hand from the seed, not derived from
 * src/db/schema.ts, so a column dropped or renamed there fails here. Extra columns are allowed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database.js";

/** Seed table → its columns, in the seed's order, with whether the seed declares them NOT NULL. */
const SEED_TABLES: Record<string, Record<string, "not null" | "nullable">> = {
  initiatives: {
    id: "not null",
    name: "not null",
    status: "not null",
    merge_requires_approval: "not null",
    branch: "nullable",
    execution_mode: "not null",
    created_at: "not null",
    updated_at: "not null",
  },
  phases: {
    id: "not null",
    initiative_id: "not null",
    name: "not null",
    content: "nullable",
    status: "not null",
    created_at: "not null",
    updated_at: "not null",
  },
  phase_dependencies: {
    id: "not null",
    phase_id: "not null",
    depends_on_phase_id: "not null",
    created_at: "not null",
  },
  tasks: {
    id: "not null",
    phase_id: "nullable",
    initiative_id: "nullable",
    parent_task_id: "nullable",
    name: "not null",
    description: "nullable",
    type: "not null",
    category: "not null",
    priority: "not null",
    status: "not null",
    requires_approval: "nullable",
    order: "not null",
    summary: "nullable",
    created_at: "not null",
    updated_at: "not null",
  },
  task_dependencies: {
    id: "not null",
    task_id: "not null",
    depends_on_task_id: "not null",
    created_at: "not null",
  },
  accounts: {
    id: "not null",
    email: "not null",
    provider: "not null",
    config_json: "nullable",
    credentials: "nullable",
    is_exhausted: "not null",
    exhausted_until: "nullable",
    last_used_at: "nullable",
    sort_order: "not null",
    created_at: "not null",
    updated_at: "not null",
  },
  agents: {
    id: "not null",
    name: "not null",
    task_id: "nullable",
    initiative_id: "nullable",
    session_id: "nullable",
    worktree_id: "not null",
    provider: "not null",
    account_id: "nullable",
    status: "not null",
    mode: "not null",
    pid: "nullable",
    exit_code: "nullable",
    output_file_path: "nullable",
    result: "nullable",
    pending_questions: "nullable",
    created_at: "not null",
    updated_at: "not null",
    user_dismissed_at: "nullable",
  },
  change_sets: {
    id: "not null",
    agent_id: "nullable",
    agent_name: "not null",
    initiative_id: "not null",
    mode: "not null",
    summary: "nullable",
    status: "not null",
    reverted_at: "nullable",
    created_at: "not null",
  },
  change_set_entries: {
    id: "not null",
    change_set_id: "not null",
    entity_type: "not null",
    entity_id: "not null",
    action: "not null",
    previous_state: "nullable",
    new_state: "nullable",
    sort_order: "not null",
    created_at: "not null",
  },
  messages: {
    id: "not null",
    sender_type: "not null",
    sender_id: "nullable",
    recipient_type: "not null",
    recipient_id: "nullable",
    type: "not null",
    content: "not null",
    requires_response: "not null",
    status: "not null",
    parent_message_id: "nullable",
    created_at: "not null",
    updated_at: "not null",
  },
  pages: {
    id: "not null",
    initiative_id: "not null",
    parent_page_id: "nullable",
    title: "not null",
    content: "nullable",
    sort_order: "not null",
    created_at: "not null",
    updated_at: "not null",
  },
  projects: {
    id: "not null",
    name: "not null",
    url: "not null",
    default_branch: "not null",
    created_at: "not null",
    updated_at: "not null",
  },
  initiative_projects: {
    id: "not null",
    initiative_id: "not null",
    project_id: "not null",
    created_at: "not null",
  },
  agent_log_chunks: {
    id: "not null",
    agent_id: "not null",
    agent_name: "not null",
    session_number: "not null",
    content: "not null",
    created_at: "not null",
  },
  conversations: {
    id: "not null",
    from_agent_id: "not null",
    to_agent_id: "not null",
    initiative_id: "nullable",
    phase_id: "nullable",
    task_id: "nullable",
    question: "not null",
    answer: "nullable",
    status: "not null",
    created_at: "not null",
    updated_at: "not null",
  },
};

/** Every enum column of the seed and the values it allows. */
const SEED_ENUMS: [table: string, column: string, values: string[]][] = [
  ["initiatives", "status", ["active", "completed", "archived"]],
  ["initiatives", "execution_mode", ["yolo", "review_per_phase"]],
  ["phases", "status", ["pending", "approved", "in_progress", "completed", "blocked", "pending_review"]],
  ["tasks", "type", ["auto", "checkpoint:human-verify", "checkpoint:decision", "checkpoint:human-action"]],
  ["tasks", "category", ["execute", "research", "discuss", "plan", "detail", "refine", "verify", "merge", "review"]],
  ["tasks", "priority", ["low", "medium", "high"]],
  ["tasks", "status", ["pending_approval", "pending", "in_progress", "completed", "blocked"]],
  ["agents", "status", ["idle", "running", "waiting_for_input", "stopped", "crashed"]],
  ["agents", "mode", ["execute", "discuss", "plan", "detail", "refine"]],
  ["change_sets", "mode", ["plan", "detail", "refine"]],
  ["change_sets", "status", ["applied", "reverted"]],
  ["change_set_entries", "entity_type", ["page", "phase", "task", "phase_dependency"]],
  ["change_set_entries", "action", ["create", "update", "delete"]],
  ["messages", "sender_type", ["agent", "user"]],
  ["messages", "recipient_type", ["agent", "user"]],
  ["messages", "type", ["question", "info", "error", "response"]],
  ["messages", "status", ["pending", "read", "responded"]],
  ["conversations", "status", ["pending", "answered"]],
];

/** The seed's defaults, as PostgreSQL reports them (column_default), for the columns that have one. */
const SEED_DEFAULTS: [table: string, column: string, pattern: RegExp][] = [
  ["initiatives", "status", /^'active'/],
  ["initiatives", "merge_requires_approval", /^true$/],
  ["initiatives", "execution_mode", /^'review_per_phase'/],
  ["phases", "status", /^'pending'/],
  ["tasks", "type", /^'auto'/],
  ["tasks", "category", /^'execute'/],
  ["tasks", "priority", /^'medium'/],
  ["tasks", "status", /^'pending'/],
  ["tasks", "order", /^0$/],
  ["accounts", "provider", /^'claude'/],
  ["accounts", "is_exhausted", /^false$/],
  ["accounts", "sort_order", /^0$/],
  ["agents", "provider", /^'claude'/],
  ["agents", "status", /^'idle'/],
  ["agents", "mode", /^'execute'/],
  ["change_sets", "status", /^'applied'/],
  ["change_set_entries", "sort_order", /^0$/],
  ["messages", "type", /^'info'/],
  ["messages", "requires_response", /^false$/],
  ["messages", "status", /^'pending'/],
  ["pages", "sort_order", /^0$/],
  ["projects", "default_branch", /^'main'/],
  ["agent_log_chunks", "session_number", /^1$/],
  ["conversations", "status", /^'pending'/],
];

/** Every foreign key of the seed: table.column → referenced table, and what a delete does. */
const SEED_FOREIGN_KEYS: [table: string, column: string, references: string, onDelete: "CASCADE" | "SET NULL"][] = [
  ["phases", "initiative_id", "initiatives", "CASCADE"],
  ["phase_dependencies", "phase_id", "phases", "CASCADE"],
  ["phase_dependencies", "depends_on_phase_id", "phases", "CASCADE"],
  ["tasks", "phase_id", "phases", "CASCADE"],
  ["tasks", "initiative_id", "initiatives", "CASCADE"],
  ["tasks", "parent_task_id", "tasks", "CASCADE"],
  ["task_dependencies", "task_id", "tasks", "CASCADE"],
  ["task_dependencies", "depends_on_task_id", "tasks", "CASCADE"],
  ["agents", "task_id", "tasks", "SET NULL"],
  ["agents", "initiative_id", "initiatives", "SET NULL"],
  ["agents", "account_id", "accounts", "SET NULL"],
  ["change_sets", "agent_id", "agents", "SET NULL"],
  ["change_sets", "initiative_id", "initiatives", "CASCADE"],
  ["change_set_entries", "change_set_id", "change_sets", "CASCADE"],
  ["messages", "sender_id", "agents", "SET NULL"],
  ["messages", "recipient_id", "agents", "SET NULL"],
  ["messages", "parent_message_id", "messages", "SET NULL"],
  ["pages", "initiative_id", "initiatives", "CASCADE"],
  ["pages", "parent_page_id", "pages", "CASCADE"],
  ["initiative_projects", "initiative_id", "initiatives", "CASCADE"],
  ["initiative_projects", "project_id", "projects", "CASCADE"],
  ["conversations", "from_agent_id", "agents", "CASCADE"],
  ["conversations", "to_agent_id", "agents", "CASCADE"],
  ["conversations", "initiative_id", "initiatives", "SET NULL"],
  ["conversations", "phase_id", "phases", "SET NULL"],
  ["conversations", "task_id", "tasks", "SET NULL"],
];

/** The seed's named indexes: name → table, columns in order, unique or not. */
const SEED_INDEXES: [name: string, table: string, columns: string[], unique: boolean][] = [
  ["change_sets_initiative_id_idx", "change_sets", ["initiative_id"], false],
  ["change_set_entries_change_set_id_idx", "change_set_entries", ["change_set_id"], false],
  ["initiative_project_unique", "initiative_projects", ["initiative_id", "project_id"], true],
  ["agent_log_chunks_agent_id_idx", "agent_log_chunks", ["agent_id"], false],
  ["conversations_to_agent_status_idx", "conversations", ["to_agent_id", "status"], false],
  ["conversations_from_agent_idx", "conversations", ["from_agent_id"], false],
];

/** Columns the seed declares `.unique()`. */
const SEED_UNIQUE_COLUMNS: [table: string, column: string][] = [
  ["projects", "name"],
  ["projects", "url"],
  ["agents", "name"],
];

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.close();
});

type ColumnRow = { table_name: string; column_name: string; is_nullable: "YES" | "NO"; column_default: string | null; udt_name: string };

async function columns(): Promise<ColumnRow[]> {
  return database.rows<ColumnRow>(
    `select table_name, column_name, is_nullable, column_default, udt_name
       from information_schema.columns where table_schema = 'public'`,
  );
}

function column(rows: ColumnRow[], table: string, name: string): ColumnRow | undefined {
  return rows.find((r) => r.table_name === table && r.column_name === name);
}

describe("the migrated schema holds the whole seed schema", () => {
  it("has every seed table with every seed column", async () => {
    const rows = await columns();
    const missing: string[] = [];
    for (const [table, cols] of Object.entries(SEED_TABLES)) {
      for (const name of Object.keys(cols)) if (!column(rows, table, name)) missing.push(`${table}.${name}`);
    }
    expect(missing).toEqual([]);
    // Fifteen tables in the seed; the list above must not have lost one.
    expect(Object.keys(SEED_TABLES)).toHaveLength(15);
  });

  it("keeps the seed's NOT NULL columns not null and its optional columns optional", async () => {
    const rows = await columns();
    const wrong: string[] = [];
    for (const [table, cols] of Object.entries(SEED_TABLES)) {
      for (const [name, nullability] of Object.entries(cols)) {
        const row = column(rows, table, name);
        if (!row) continue; // reported by the test above
        const actual = row.is_nullable === "NO" ? "not null" : "nullable";
        if (actual !== nullability) wrong.push(`${table}.${name} is ${actual}, the seed says ${nullability}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("stores timestamps as timestamptz and booleans as booleans", async () => {
    const rows = await columns();
    const wrong: string[] = [];
    for (const [table, cols] of Object.entries(SEED_TABLES)) {
      for (const name of Object.keys(cols)) {
        const row = column(rows, table, name);
        if (!row) continue;
        if (/(_at|_until)$/.test(name) && row.udt_name !== "timestamptz") wrong.push(`${table}.${name}: ${row.udt_name}`);
        if (/^(is_|requires_|merge_requires_)/.test(name) && row.udt_name !== "bool") wrong.push(`${table}.${name}: ${row.udt_name}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("allows every status and kind value of the seed", async () => {
    const rows = await columns();
    const missing: string[] = [];
    for (const [table, name, values] of SEED_ENUMS) {
      const row = column(rows, table, name);
      expect(row, `${table}.${name}`).toBeDefined();
      const allowed = await database.rows<{ enumlabel: string }>(
        `select e.enumlabel from pg_enum e join pg_type t on t.oid = e.enumtypid where t.typname = $1`,
        [row!.udt_name],
      );
      expect(allowed.length, `${table}.${name} (${row!.udt_name}) is an enum`).toBeGreaterThan(0);
      const labels = new Set(allowed.map((a) => a.enumlabel));
      for (const value of values) if (!labels.has(value)) missing.push(`${table}.${name} = '${value}'`);
    }
    expect(missing).toEqual([]);
  });

  it("keeps the seed's defaults", async () => {
    const rows = await columns();
    const wrong: string[] = [];
    for (const [table, name, pattern] of SEED_DEFAULTS) {
      const value = column(rows, table, name)?.column_default ?? "(none)";
      if (!pattern.test(value)) wrong.push(`${table}.${name} defaults to ${value}`);
    }
    expect(wrong).toEqual([]);
  });

  it("has the seed's indexes, on the seed's columns", async () => {
    const indexes = await database.rows<{ indexname: string; tablename: string; indexdef: string }>(
      `select indexname, tablename, indexdef from pg_indexes where schemaname = 'public'`,
    );
    for (const [name, table, cols, unique] of SEED_INDEXES) {
      const found = indexes.find((i) => i.indexname === name);
      expect(found, name).toBeDefined();
      expect(found!.tablename, name).toBe(table);
      expect(found!.indexdef.startsWith("CREATE UNIQUE INDEX"), `${name} unique`).toBe(unique);
      const indexed = /\((.*)\)$/
        .exec(found!.indexdef)![1]!
        .split(",")
        .map((c) => c.trim().replace(/"/g, "").split(" ")[0]);
      expect(indexed, name).toEqual(cols);
    }
  });

  it("keeps the seed's unique columns unique", async () => {
    const indexes = await database.rows<{ tablename: string; indexdef: string }>(
      `select tablename, indexdef from pg_indexes where schemaname = 'public' and indexdef like 'CREATE UNIQUE INDEX%'`,
    );
    for (const [table, col] of SEED_UNIQUE_COLUMNS) {
      const single = indexes.some((i) => i.tablename === table && new RegExp(`\\("?${col}"?\\)$`).test(i.indexdef));
      expect(single, `${table}.${col} is unique`).toBe(true);
    }
  });

  it("has every seed foreign key with the seed's delete rule, and none on agent_log_chunks.agent_id", async () => {
    const keys = await database.rows<{ table_name: string; column_name: string; references: string; delete_rule: string }>(
      `select kcu.table_name, kcu.column_name, ccu.table_name as references, rc.delete_rule
         from information_schema.referential_constraints rc
         join information_schema.key_column_usage kcu
           on kcu.constraint_schema = rc.constraint_schema and kcu.constraint_name = rc.constraint_name
         join information_schema.constraint_column_usage ccu
           on ccu.constraint_schema = rc.unique_constraint_schema and ccu.constraint_name = rc.unique_constraint_name
        where rc.constraint_schema = 'public'`,
    );
    const actual = (table: string, col: string) =>
      keys.filter((k) => k.table_name === table && k.column_name === col).map((k) => `${k.references} ${k.delete_rule}`);
    const wrong: string[] = [];
    for (const [table, col, references, onDelete] of SEED_FOREIGN_KEYS) {
      const found = actual(table, col);
      if (found.length !== 1 || found[0] !== `${references} ${onDelete}`) {
        wrong.push(`${table}.${col}: expected → ${references} ${onDelete}, found [${found.join(", ")}]`);
      }
    }
    expect(wrong).toEqual([]);
    // Log chunks survive their agent's deletion: no foreign key at all.
    expect(actual("agent_log_chunks", "agent_id")).toEqual([]);
  });
});

describe("the seed's delete rules at work", () => {
  it("deleting a phase deletes its tasks and their dependencies, and frees its agents and conversations", async () => {
    await database.rows(`insert into initiatives (id, name) values ('i1', 'Auth')`);
    await database.rows(`insert into phases (id, initiative_id, name) values ('p1', 'i1', 'Phase 1')`);
    await database.rows(`insert into tasks (id, phase_id, initiative_id, name) values ('t1', 'p1', 'i1', 'Login'), ('t2', 'p1', 'i1', 'Logout')`);
    await database.rows(`insert into tasks (id, parent_task_id, initiative_id, name) values ('t3', 't1', 'i1', 'Form')`);
    await database.rows(`insert into task_dependencies (id, task_id, depends_on_task_id) values ('d1', 't2', 't1')`);
    await database.rows(
      `insert into agents (id, name, task_id, initiative_id, worktree_id) values ('a1', 'jolly-penguin', 't1', 'i1', 'jolly-penguin'), ('a2', 'brave-otter', 't2', 'i1', 'brave-otter')`,
    );
    await database.rows(
      `insert into conversations (id, from_agent_id, to_agent_id, phase_id, task_id, question) values ('c1', 'a1', 'a2', 'p1', 't1', 'Which table?')`,
    );
    await database.rows(`insert into agent_log_chunks (id, agent_id, agent_name, content) values ('l1', 'a1', 'jolly-penguin', '{}')`);

    await database.rows(`delete from phases where id = 'p1'`);

    expect(await database.rows(`select id from tasks order by id`)).toEqual([]);
    expect(await database.rows(`select id from task_dependencies`)).toEqual([]);
    expect(await database.rows(`select id, task_id, initiative_id from agents order by id`)).toEqual([
      { id: "a1", task_id: null, initiative_id: "i1" },
      { id: "a2", task_id: null, initiative_id: "i1" },
    ]);
    expect(await database.rows(`select id, phase_id, task_id from conversations`)).toEqual([{ id: "c1", phase_id: null, task_id: null }]);

    // Deleting an agent deletes its conversations but keeps its log.
    await database.rows(`delete from agents where id = 'a1'`);
    expect(await database.rows(`select id from conversations`)).toEqual([]);
    expect(await database.rows(`select id, agent_id from agent_log_chunks`)).toEqual([{ id: "l1", agent_id: "a1" }]);

    // Deleting the initiative takes the rest with it.
    await database.rows(`delete from initiatives where id = 'i1'`);
    expect(await database.rows(`select id from phases`)).toEqual([]);
    expect(await database.rows(`select id, initiative_id from agents`)).toEqual([{ id: "a2", initiative_id: null }]);
  });
});
