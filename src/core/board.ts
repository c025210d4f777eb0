/**
 * Project boards (Projects v2), the pure part: which board a setting names, what a card should
 * show for a task or phase, how that maps onto the fields and options a given board has, and
 * which move of a card asks for work (DESIGN.md §3, "Board").
 *
 * A card's values are first said in the app's own terms (`CardValues`: a board status, the
 * phase's title, the priority, the agent, the attempts), then resolved against the board's shape
 * into field writes. The same resolution decides what the board shows already, so a value that
 * would land on the same option (blocked and ready both shown as "Todo") is never written twice.
 */
import { STATUS_LABELS, type StatusLabel } from "./labels.js";
import type { TaskPriority } from "./statuses.js";

/** An organization's project, as a `board:` setting names it. */
export interface BoardRef {
  org: string;
  number: number;
  /** The URL as written, for messages. */
  url: string;
}

/** How long the app believes a board it could not use before it reads it again. */
export const BOARD_RECHECK_MS = 10 * 60_000;

export const BOARD_STATUSES = ["pending_approval", "blocked", "ready", "in_progress", "needs_input", "in_review", "done", "failed"] as const;
export type BoardStatus = (typeof BOARD_STATUSES)[number];
/** `board_statuses:` — a status → the name of the Status option that shows it. */
export type BoardStatusMap = Partial<Record<BoardStatus, string>>;

/** The option of the same name, when the board has one. */
const OWN_OPTION: Record<BoardStatus, string> = {
  pending_approval: "Pending Approval",
  blocked: "Blocked",
  ready: "Ready",
  in_progress: "In Progress",
  needs_input: "Needs Input",
  in_review: "In Review",
  done: "Done",
  failed: "Failed",
};

/** Else the nearest of GitHub's default options: nothing started yet, being worked on, finished. */
const NEAREST_DEFAULT: Record<BoardStatus, string> = {
  pending_approval: "Todo",
  blocked: "Todo",
  ready: "Todo",
  in_progress: "In Progress",
  needs_input: "In Progress",
  in_review: "Done",
  done: "Done",
  failed: "Todo",
};

const BY_LABEL: Record<StatusLabel, BoardStatus> = {
  [STATUS_LABELS.pendingApproval]: "pending_approval",
  [STATUS_LABELS.blocked]: "blocked",
  [STATUS_LABELS.ready]: "ready",
  [STATUS_LABELS.inProgress]: "in_progress",
  [STATUS_LABELS.needsInput]: "needs_input",
  [STATUS_LABELS.inReview]: "in_review",
  [STATUS_LABELS.done]: "done",
  [STATUS_LABELS.failed]: "failed",
};

/** The board status that mirrors a status label; none (a cancelled task) leaves the card where it is. */
export function boardStatusOf(label: StatusLabel | null): BoardStatus | null {
  return label === null ? null : BY_LABEL[label];
}

// ------------------------------------------------------------------ the setting

export type BoardUrlResult = { ok: true; board: BoardRef } | { ok: false; error: string };

const EXPECTED = "expected the URL of an organization's project, like https://github.com/orgs/<org>/projects/<number>";

/**
 * `https://github.com/orgs/<org>/projects/<n>` (any host, for GitHub Enterprise Server; a view's
 * URL, `…/projects/<n>/views/2`, names the same project). A user's project is refused with the
 * reason: an installation token cannot see user-owned projects at all.
 */
export function parseBoardUrl(text: string): BoardUrlResult {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return { ok: false, error: EXPECTED };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, error: EXPECTED };
  const path = url.pathname.replace(/\/+$/, "");
  const org = /^\/orgs\/([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/projects\/(\d{1,9})(?:\/views\/\d+)?$/.exec(path);
  if (org && Number(org[2]) > 0) return { ok: true, board: { org: org[1]!, number: Number(org[2]), url: text.trim() } };
  if (/^\/users\/[^/]+\/projects\/\d+/.test(path)) {
    return {
      ok: false,
      error:
        "a user's project is not supported: a GitHub App cannot see user-owned projects at all (GitHub answers with an empty result, not an error); use an organization's project, https://github.com/orgs/<org>/projects/<number>",
    };
  }
  return { ok: false, error: EXPECTED };
}

/** The key the app stores a board under: its org (GitHub logins are case-insensitive) and number. */
export function boardKeyOf(board: Pick<BoardRef, "org" | "number">): string {
  return `${board.org.toLowerCase()}/${board.number}`;
}

// ------------------------------------------------------------------ the board's shape

export interface BoardOption {
  id: string;
  name: string;
}

export interface BoardField {
  id: string;
  name: string;
  /** GraphQL's ProjectV2FieldType: SINGLE_SELECT, TEXT, NUMBER, DATE, ITERATION, TITLE, … */
  dataType: string;
  options?: BoardOption[];
}

export interface BoardShape {
  projectId: string;
  title: string;
  fields: BoardField[];
}

/** What a card should show, in the app's terms. */
export interface CardValues {
  status: BoardStatus | null;
  /** The title of the task's phase (a phase's card: its own title); null outside phases. */
  phase: string | null;
  priority: TaskPriority | null;
  /** The alias of the task's newest agent. */
  agent: string | null;
  attempts: number | null;
}

/** The fields the app keeps current, by name, and the types it writes each as. */
const KEPT_FIELDS = {
  Status: ["SINGLE_SELECT"],
  Phase: ["TEXT", "SINGLE_SELECT"],
  Priority: ["SINGLE_SELECT", "TEXT"],
  Agent: ["TEXT"],
  Attempts: ["NUMBER"],
} as const satisfies Record<string, readonly string[]>;
type KeptField = keyof typeof KEPT_FIELDS;

export type FieldValue = { singleSelectOptionId: string } | { text: string } | { number: number };

/** One field of a card to write: `shown` is how the board will show it (option name, text, number). */
export interface FieldWrite {
  field: KeptField;
  fieldId: string;
  value: FieldValue;
  shown: string | number;
}

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

function fieldNamed(shape: BoardShape, name: KeptField): BoardField | undefined {
  return shape.fields.find((f) => same(f.name, name));
}

/** The field, when the board has it with a type the app writes (a field of another type is left alone). */
function keptField(shape: BoardShape, name: KeptField): BoardField | undefined {
  const field = fieldNamed(shape, name);
  return field && (KEPT_FIELDS[name] as readonly string[]).includes(field.dataType) ? field : undefined;
}

function optionNamed(field: BoardField, name: string): BoardOption | undefined {
  return field.options?.find((o) => same(o.name, name));
}

/** The Status option that shows `status`: the mapped one, else the same name, else the nearest default. */
export function statusOption(shape: BoardShape, status: BoardStatus, mapping: BoardStatusMap): BoardOption | undefined {
  const field = keptField(shape, "Status");
  if (!field) return undefined;
  const mapped = mapping[status];
  if (mapped !== undefined) return optionNamed(field, mapped);
  return optionNamed(field, OWN_OPTION[status]) ?? optionNamed(field, NEAREST_DEFAULT[status]);
}

/** Every field of the card this board can show, resolved to what to write. */
export function resolveCard(shape: BoardShape, values: CardValues, mapping: BoardStatusMap): FieldWrite[] {
  const writes: FieldWrite[] = [];
  const status = keptField(shape, "Status");
  if (status && values.status) {
    const option = statusOption(shape, values.status, mapping);
    if (option) writes.push({ field: "Status", fieldId: status.id, value: { singleSelectOptionId: option.id }, shown: option.name });
  }
  const text = (name: "Phase" | "Priority" | "Agent", value: string | null) => {
    const field = keptField(shape, name);
    if (!field || value === null || value === "") return;
    if (field.dataType === "SINGLE_SELECT") {
      const option = optionNamed(field, value);
      if (option) writes.push({ field: name, fieldId: field.id, value: { singleSelectOptionId: option.id }, shown: option.name });
    } else {
      writes.push({ field: name, fieldId: field.id, value: { text: value }, shown: value });
    }
  };
  text("Phase", values.phase);
  text("Priority", values.priority === null ? null : values.priority[0]!.toUpperCase() + values.priority.slice(1));
  text("Agent", values.agent);
  const attempts = keptField(shape, "Attempts");
  if (attempts && values.attempts !== null) {
    writes.push({ field: "Attempts", fieldId: attempts.id, value: { number: values.attempts }, shown: values.attempts });
  }
  return writes;
}

/** The writes the board still needs: those whose field does not show that value yet. */
export function pendingWrites(writes: readonly FieldWrite[], shown: Readonly<Record<string, unknown>>): FieldWrite[] {
  return writes.filter((w) => shown[w.field] !== w.shown);
}

/**
 * Why the app cannot use this board (null when it can): no Status field, a Status that is not a
 * single select, or one with none of the options the app knows. And what it will leave alone
 * (`notes`): fields of a kept name but another type, statuses no option shows, mapped names
 * the board does not have.
 */
export function checkBoard(shape: BoardShape, mapping: BoardStatusMap): { problem: string | null; notes: string[] } {
  const notes: string[] = [];
  const status = fieldNamed(shape, "Status");
  if (!status) return { problem: "the board has no `Status` field", notes };
  if (status.dataType !== "SINGLE_SELECT") {
    return { problem: `its \`Status\` field is a ${typeName(status.dataType)} field, not a single select`, notes };
  }
  const missing = BOARD_STATUSES.filter((s) => !statusOption(shape, s, mapping));
  if (missing.length === BOARD_STATUSES.length) {
    const known = [...new Set([...Object.values(OWN_OPTION), ...Object.values(NEAREST_DEFAULT)])].join("`, `");
    return { problem: `its \`Status\` field has none of the options Codewalkers knows (\`${known}\`), and \`board_statuses:\` maps none`, notes };
  }
  for (const [key, name] of Object.entries(mapping)) {
    if (!optionNamed(status, name)) notes.push(`\`board_statuses: ${key}\` names \`${name}\`, which the \`Status\` field does not have`);
  }
  const unmapped = missing.filter((s) => mapping[s] === undefined);
  if (unmapped.length) notes.push(`no \`Status\` option shows ${unmapped.map((s) => `\`${s}\``).join(", ")}: those cards stay where they are`);
  for (const name of Object.keys(KEPT_FIELDS) as KeptField[]) {
    const field = fieldNamed(shape, name);
    if (name !== "Status" && field && !keptField(shape, name)) {
      const types = (KEPT_FIELDS[name] as readonly string[]).map(typeName).join(" or ");
      notes.push(
        `the \`${field.name}\` field is a ${typeName(field.dataType)} field; Codewalkers keeps it current only as a ${types} field, so it is left alone`,
      );
    }
  }
  return { problem: null, notes };
}

function typeName(dataType: string): string {
  return dataType.toLowerCase().replace(/_/g, " ");
}

/**
 * The option a writer drags a card to in order to start its task: `Ready` (or what
 * `board_statuses: ready` names), else `In Progress` when the board has no `Ready`.
 */
export function startOption(shape: BoardShape, mapping: BoardStatusMap): BoardOption | undefined {
  const status = keptField(shape, "Status");
  if (!status) return undefined;
  if (mapping.ready !== undefined) return optionNamed(status, mapping.ready);
  return optionNamed(status, OWN_OPTION.ready) ?? statusOption(shape, "in_progress", mapping);
}

/** Whether `optionName` is the option that starts work on this board. */
export function isStartMove(shape: BoardShape, mapping: BoardStatusMap, optionName: string): boolean {
  const start = startOption(shape, mapping);
  return start !== undefined && same(start.name, optionName);
}
