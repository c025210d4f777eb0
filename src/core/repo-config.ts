/**
 * A repository's settings: `.github/codewalkers.yml` for its defaults, and a ```codewalkers
 * block in a milestone's description for one initiative (DESIGN.md §1). Both are validated
 * strictly: an unknown key is an error, because a misspelt setting that silently does nothing
 * (say `aproval_required: true`) is worse than a clear complaint.
 */
import { parseDocument } from "yaml";
import { z } from "zod";
import { DEFAULT_TRIGGER_LABEL, labelDefinitions } from "./labels.js";
import { EXECUTION_MODES, type ExecutionMode } from "./statuses.js";
import { BOARD_STATUSES, parseBoardUrl, type BoardRef, type BoardStatusMap } from "./board.js";

export const REPO_CONFIG_PATH = ".github/codewalkers.yml";

export const MERGE_METHODS = ["merge", "squash", "rebase"] as const;
export type MergeMethod = (typeof MERGE_METHODS)[number];

export const AGENT_KINDS = ["claude", "codex", "command"] as const;
export type AgentKind = (typeof AGENT_KINDS)[number];

export interface RepoConfig {
  readonly triggerLabel: string;
  readonly approvalRequired: boolean;
  readonly executionMode: ExecutionMode;
  readonly mergeRequiresApproval: boolean;
  readonly mergeMethod: MergeMethod;
  readonly maxConcurrentAgents: number | null;
  readonly agent: AgentKind | null;
  readonly reviewers: readonly string[];
  /** A review agent reviews each phase's pull request before people are asked (`core/agent-review.ts`). */
  readonly agentReview: boolean;
  /** The organization project every task and phase issue is put on (absent: no board). */
  readonly board?: BoardRef;
  /** Statuses shown by Status options of other names (`board_statuses:`). */
  readonly boardStatuses?: BoardStatusMap;
  /** A plan's change set waits for a writer's `/cw apply` instead of being applied at once. */
  readonly planApproval: boolean;
  /** Where an initiative's pages go on its branch: `<pagesDir>/<initiative-slug>/`. */
  readonly pagesDir: string;
}

export interface MilestoneSettings {
  executionMode?: ExecutionMode;
  mergeRequiresApproval?: boolean;
  approvalRequired?: boolean;
  board?: BoardRef;
  boardStatuses?: BoardStatusMap;
  planApproval?: boolean;
  pagesDir?: string;
}

export type RepoConfigParseResult = { ok: true; config: RepoConfig } | { ok: false; error: string };

export const DEFAULT_REPO_CONFIG: RepoConfig = Object.freeze({
  triggerLabel: DEFAULT_TRIGGER_LABEL,
  approvalRequired: false,
  executionMode: "review_per_phase",
  mergeRequiresApproval: true,
  mergeMethod: "squash",
  maxConcurrentAgents: null,
  agent: null,
  reviewers: Object.freeze([] as string[]),
  agentReview: false,
  planApproval: false,
  pagesDir: "docs/initiatives",
});

const oneOf = (values: readonly string[]) => `expected one of ${[...values].sort().join(", ")}`;
const BOOLEAN = "expected true or false";

/** GitHub's own limit on a label name. */
const MAX_LABEL_LENGTH = 50;

/** Labels the app sets itself (statuses, phase, categories…) cannot double as the trigger. */
const RESERVED_LABELS = new Set(
  labelDefinitions()
    .map((l) => l.name.toLowerCase())
    .filter((name) => name !== DEFAULT_TRIGGER_LABEL),
);

/**
 * A GitHub login (letters, digits, single hyphens, at most 39) or an `org/team-slug`. A leading
 * `@`, as people write it in comments and CODEOWNERS, is accepted and dropped.
 */
const LOGIN = "[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}";
const REVIEWER = new RegExp(`^@?(${LOGIN}(?:/[A-Za-z0-9_.-]{1,100})?)$`);

const executionMode = z.enum(EXECUTION_MODES, { error: oneOf(EXECUTION_MODES) });
/** A folder of the repository, relative, without `..`: pages must land inside it. */
const PAGES_DIR_ERROR = "expected a relative folder of the repository, such as docs/initiatives";
const pagesDir = z
  .string({ error: PAGES_DIR_ERROR })
  .transform((dir) => dir.replace(/\/+$/, ""))
  .refine((dir) => dir !== "" && !dir.startsWith("/") && !dir.split("/").some((part) => part === ".." || part === "." || part === "" || part === ".git"), {
    error: PAGES_DIR_ERROR,
  });
const boolean = z.boolean({ error: BOOLEAN });

// ---- Project boards (see core/board.ts)
const board = z.string({ error: "expected the URL of an organization's project" }).transform((text, ctx) => {
  const parsed = parseBoardUrl(text);
  if (parsed.ok) return parsed.board;
  ctx.issues.push({ code: "custom", message: parsed.error, input: text });
  return z.NEVER;
});
const boardStatuses = z.strictObject(
  Object.fromEntries(
    BOARD_STATUSES.map((s) => [
      s,
      z.string({ error: "expected the name of a Status option" }).trim().min(1, { error: "expected the name of a Status option" }).optional(),
    ]),
  ) as Record<(typeof BOARD_STATUSES)[number], z.ZodOptional<z.ZodString>>,
  { error: `expected a mapping of statuses (${BOARD_STATUSES.join(", ")}) to Status option names` },
);

const repoConfigSchema = z.strictObject({
  /** The label that starts an issue as a task. */
  trigger_label: z
    .string({ error: "expected a label name" })
    .regex(/^\S/, { error: "must start with a non-space character" })
    .refine((name) => [...name].length <= MAX_LABEL_LENGTH, { error: `must be at most ${MAX_LABEL_LENGTH} characters` })
    .refine((name) => !RESERVED_LABELS.has(name.toLowerCase()), { error: "must not be a label Codewalkers sets itself" })
    .default(DEFAULT_TRIGGER_LABEL),
  /** New tasks start as pending-approval until a writer says `/cw approve`. */
  approval_required: boolean.default(false),
  /** review_per_phase: each phase PR waits for an approving review; yolo: it merges when its checks pass. */
  execution_mode: executionMode.default("review_per_phase"),
  /** The final initiative PR (initiative branch → default branch) waits for an approving review. */
  merge_requires_approval: boolean.default(true),
  /** How the app merges the pull requests it merges. */
  merge_method: z.enum(MERGE_METHODS, { error: oneOf(MERGE_METHODS) }).default("squash"),
  /** At most this many agents at once on this repository; null: only the runner's own limit. */
  max_concurrent_agents: z
    .number({ error: "expected a positive whole number, or null for no limit" })
    .int({ error: "expected a positive whole number, or null for no limit" })
    .positive({ error: "expected a positive whole number, or null for no limit" })
    .nullable()
    .default(null),
  /** Which agent adapter runs this repository's tasks; null: the runner's default (CW_AGENT). */
  agent: z
    .enum(AGENT_KINDS, { error: `${oneOf(AGENT_KINDS)}, or null for the runner's default` })
    .nullable()
    .default(null),
  /** Who is asked to review the pull requests the app opens: logins and org/team names. */
  reviewers: z
    .array(z.string({ error: "expected a GitHub login or org/team" }).regex(REVIEWER, { error: "expected a GitHub login or org/team" }), {
      error: "expected a list of GitHub logins or org/team names",
    })
    .default(() => []),
  /** A review agent reviews each phase PR (a COMMENT with line comments) before people are asked. */
  agent_review: boolean.default(false),
  /** The organization project (Projects v2) the repository's tasks and phases are put on. */
  board: board.optional(),
  /** Which Status option shows which status, where the names differ. */
  board_statuses: boardStatuses.optional(),
  /** Plans wait for a writer's `/cw apply <id>`. */
  plan_approval: boolean.default(false),
  /** Where planning agents' pages are committed on the initiative branch. */
  pages_dir: pagesDir.default("docs/initiatives"),
});

const milestoneSettingsSchema = z.strictObject({
  /** As in the repository config, for this initiative. */
  execution_mode: executionMode.optional(),
  /** As in the repository config, for this initiative's final PR. */
  merge_requires_approval: boolean.optional(),
  /** As in the repository config, for this initiative's new tasks. */
  approval_required: boolean.optional(),
  /** As in the repository config, for this initiative's tasks and phases. */
  board: board.optional(),
  board_statuses: boardStatuses.optional(),
  /** As in the repository config, for this initiative's plans. */
  plan_approval: boolean.optional(),
  /** As in the repository config, for this initiative's pages. */
  pages_dir: pagesDir.optional(),
});

/** `raw` is the parsed YAML; a missing or empty file (null, undefined) means all defaults. */
export function parseRepoConfig(raw: unknown): RepoConfigParseResult {
  if (raw === null || raw === undefined) return { ok: true, config: { ...DEFAULT_REPO_CONFIG, reviewers: [] } };
  const parsed = repoConfigSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: describeIssues(parsed.error.issues, Object.keys(repoConfigSchema.shape)) };
  const c = parsed.data;
  return {
    ok: true,
    config: {
      triggerLabel: c.trigger_label,
      approvalRequired: c.approval_required,
      executionMode: c.execution_mode,
      mergeRequiresApproval: c.merge_requires_approval,
      mergeMethod: c.merge_method,
      maxConcurrentAgents: c.max_concurrent_agents,
      agent: c.agent,
      reviewers: dedupeCaseInsensitive(c.reviewers.map((r) => r.replace(/^@/, ""))),
      agentReview: c.agent_review,
      ...(c.board ? { board: c.board } : {}),
      ...(c.board_statuses ? { boardStatuses: definedOnly(c.board_statuses) } : {}),
      planApproval: c.plan_approval,
      pagesDir: c.pages_dir,
    },
  };
}

/** The file's text; a YAML syntax error is reported with its line. */
export function parseRepoConfigYaml(text: string): RepoConfigParseResult {
  const yaml = parseYaml(text, 0);
  return yaml.ok ? parseRepoConfig(yaml.value) : yaml;
}

const SETTINGS_FENCE = /^ {0,3}(`{3,}|~{3,})[ \t]*codewalkers[ \t]*$/i;
const ANY_FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * The ```codewalkers block of a milestone description. Without one the settings are empty (the
 * repository's apply); an invalid one also gives empty settings, with the error to report, so a
 * broken block never half-applies.
 */
export function parseMilestoneSettings(description: string | null | undefined): { settings: MilestoneSettings; error?: string } {
  const blocks = findSettingsBlocks(description ?? "");
  const [block] = blocks;
  if (!block) return { settings: {} };
  if (blocks.length > 1) return { settings: {}, error: `found ${blocks.length} \`\`\`codewalkers blocks; keep one` };
  const yaml = parseYaml(block.text, block.firstLine - 1);
  if (!yaml.ok) return { settings: {}, error: yaml.error };
  if (yaml.value === null || yaml.value === undefined) return { settings: {} };
  const parsed = milestoneSettingsSchema.safeParse(yaml.value);
  if (!parsed.success) {
    return { settings: {}, error: describeIssues(parsed.error.issues, Object.keys(milestoneSettingsSchema.shape)) };
  }
  const s = parsed.data;
  const settings: MilestoneSettings = {};
  if (s.execution_mode !== undefined) settings.executionMode = s.execution_mode;
  if (s.merge_requires_approval !== undefined) settings.mergeRequiresApproval = s.merge_requires_approval;
  if (s.approval_required !== undefined) settings.approvalRequired = s.approval_required;
  if (s.board !== undefined) settings.board = s.board;
  if (s.board_statuses !== undefined) settings.boardStatuses = definedOnly(s.board_statuses);
  if (s.plan_approval !== undefined) settings.planApproval = s.plan_approval;
  if (s.pages_dir !== undefined) settings.pagesDir = s.pages_dir;
  return { settings };
}

/** The repository's config with the milestone's settings applied over it. */
export function effectiveSettings(repo: RepoConfig, milestone: MilestoneSettings): RepoConfig {
  return {
    ...repo,
    executionMode: milestone.executionMode ?? repo.executionMode,
    mergeRequiresApproval: milestone.mergeRequiresApproval ?? repo.mergeRequiresApproval,
    approvalRequired: milestone.approvalRequired ?? repo.approvalRequired,
    planApproval: milestone.planApproval ?? repo.planApproval,
    pagesDir: milestone.pagesDir ?? repo.pagesDir,
  };
}

/** Each ```codewalkers block's text and the 1-based line of the description it starts on. */
function findSettingsBlocks(description: string): { text: string; firstLine: number }[] {
  const lines = description.split(/\r\n?|\n/);
  const blocks: { text: string; firstLine: number }[] = [];
  let i = 0;
  while (i < lines.length) {
    const open = ANY_FENCE.exec(lines[i] ?? "")?.[1];
    if (!open) {
      i++;
      continue;
    }
    const isSettings = SETTINGS_FENCE.test(lines[i] ?? "");
    const start = i + 1;
    let end = start;
    // Another fence's content is skipped whole, so a ```codewalkers example inside a longer
    // fence is not taken for the real block. An unclosed fence runs to the end.
    while (end < lines.length && !closesFence(lines[end] ?? "", open)) end++;
    if (isSettings) blocks.push({ text: lines.slice(start, end).join("\n"), firstLine: start + 1 });
    i = end + 1;
  }
  return blocks;
}

function closesFence(line: string, open: string): boolean {
  const fence = ANY_FENCE.exec(line)?.[1];
  return fence !== undefined && fence[0] === open[0] && fence.length >= open.length && line.trim() === fence;
}

type YamlResult = { ok: true; value: unknown } | { ok: false; error: string };

/** `lineOffset` places the text's line numbers within a larger document. */
function parseYaml(text: string, lineOffset: number): YamlResult {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const [first] = doc.errors;
  if (first) {
    const line = first.linePos?.[0]?.line;
    // The pretty message appends the position and a code excerpt; the first line is the reason.
    const reason = first.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "") ?? first.message;
    return { ok: false, error: line === undefined ? `invalid YAML: ${reason}` : `invalid YAML at line ${line + lineOffset}: ${reason}` };
  }
  try {
    // A small alias limit: a config needs few, and "billion laughs" needs many.
    return { ok: true, value: doc.toJS({ maxAliasCount: 100 }) };
  } catch (error) {
    return { ok: false, error: `invalid YAML: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** One line per problem, each naming the setting: "execution_mode: expected one of review_per_phase, yolo". */
function describeIssues(issues: readonly z.core.$ZodIssue[], known: readonly string[]): string {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      // A nested mapping's keys are its own (board_statuses: the statuses).
      const names = issue.path[0] === "board_statuses" ? BOARD_STATUSES : known;
      for (const key of issue.keys) {
        const near = closest(key, names);
        lines.push(`${formatPath([...issue.path, key])}: unknown setting${near ? `; did you mean ${near}?` : ` (known: ${names.join(", ")})`}`);
      }
    } else if (issue.path.length === 0) {
      lines.push("expected a mapping of settings (key: value lines)");
    } else {
      lines.push(`${formatPath(issue.path)}: ${issue.message}`);
    }
  }
  return lines.join("\n");
}

/** reviewers[1], not reviewers.1 */
function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i > 0 ? "." : ""}${String(p)}`)).join("");
}

/** The known key within a small edit distance of a misspelt one, if any. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(key.toLowerCase(), name);
    if (distance <= 3 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3 || a.length > 64) return Infinity;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? Infinity;
}

function definedOnly(mapping: Record<string, string | undefined>): BoardStatusMap {
  return Object.fromEntries(Object.entries(mapping).filter(([, v]) => v !== undefined)) as BoardStatusMap;
}

function dedupeCaseInsensitive(values: readonly string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const key = v.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
