import { describe, expect, it } from "vitest";
import {
  DEFAULT_REPO_CONFIG,
  effectiveSettings,
  parseMilestoneSettings,
  parseRepoConfig,
  parseRepoConfigYaml,
  type RepoConfig,
} from "../../../src/core/repo-config.js";

function config(raw: unknown): RepoConfig {
  const result = parseRepoConfig(raw);
  if (!result.ok) throw new Error(`expected a valid config, got: ${result.error}`);
  return result.config;
}

function error(raw: unknown): string {
  const result = parseRepoConfig(raw);
  if (result.ok) throw new Error("expected an invalid config");
  return result.error;
}

describe("DEFAULT_REPO_CONFIG", () => {
  it("holds the documented defaults", () => {
    expect(DEFAULT_REPO_CONFIG).toEqual({
      triggerLabel: "cw:run",
      approvalRequired: false,
      executionMode: "review_per_phase",
      mergeRequiresApproval: true,
      mergeMethod: "squash",
      maxConcurrentAgents: null,
      agent: null,
      reviewers: [],
      agentReview: false,
      planApproval: false,
      pagesDir: "docs/initiatives",
    });
  });

  it("cannot be changed by accident", () => {
    expect(Object.isFrozen(DEFAULT_REPO_CONFIG)).toBe(true);
    expect(Object.isFrozen(DEFAULT_REPO_CONFIG.reviewers)).toBe(true);
  });
});

describe("parseRepoConfig", () => {
  it("gives the defaults for a missing or empty file", () => {
    expect(config(null)).toEqual(DEFAULT_REPO_CONFIG);
    expect(config(undefined)).toEqual(DEFAULT_REPO_CONFIG);
    expect(config({})).toEqual(DEFAULT_REPO_CONFIG);
  });

  it("never hands out the shared default list", () => {
    const a = config({});
    const b = config(null);
    expect(a.reviewers).not.toBe(DEFAULT_REPO_CONFIG.reviewers);
    expect(a.reviewers).not.toBe(b.reviewers);
  });

  it("reads every field, snake_case to camelCase", () => {
    expect(
      config({
        trigger_label: "agent please",
        approval_required: true,
        execution_mode: "yolo",
        merge_requires_approval: false,
        merge_method: "rebase",
        max_concurrent_agents: 3,
        agent: "codex",
        reviewers: ["octocat", "acme/backend-team"],
        agent_review: true,
        plan_approval: true,
        pages_dir: "docs/plans/",
      }),
    ).toEqual({
      triggerLabel: "agent please",
      approvalRequired: true,
      executionMode: "yolo",
      mergeRequiresApproval: false,
      mergeMethod: "rebase",
      maxConcurrentAgents: 3,
      agent: "codex",
      reviewers: ["octocat", "acme/backend-team"],
      agentReview: true,
      planApproval: true,
      pagesDir: "docs/plans",
    });
  });

  it("refuses a pages_dir outside the repository", () => {
    for (const dir of ["/etc", "../up", "docs/../..", ""]) {
      expect(parseRepoConfig({ pages_dir: dir })).toEqual({
        ok: false,
        error: "pages_dir: expected a relative folder of the repository, such as docs/initiatives",
      });
    }
  });

  it("accepts null for the limit and the agent", () => {
    expect(config({ max_concurrent_agents: null, agent: null })).toMatchObject({ maxConcurrentAgents: null, agent: null });
  });

  it("drops a leading @ from reviewers and their repeats", () => {
    expect(config({ reviewers: ["@octocat", "@acme/team", "OctoCat"] }).reviewers).toEqual(["octocat", "acme/team"]);
  });

  it("accepts a label at the limit of 50 characters, emoji counted once", () => {
    expect(config({ trigger_label: "x".repeat(50) }).triggerLabel).toHaveLength(50);
    expect(config({ trigger_label: `🤖${"x".repeat(49)}` }).triggerLabel).toBe(`🤖${"x".repeat(49)}`);
  });

  it.each([
    [{ trigger_label: "" }, "trigger_label: must start with a non-space character"],
    [{ trigger_label: " run" }, "trigger_label: must start with a non-space character"],
    [{ trigger_label: "x".repeat(51) }, "trigger_label: must be at most 50 characters"],
    [{ trigger_label: 7 }, "trigger_label: expected a label name"],
    [{ trigger_label: "cw:done" }, "trigger_label: must not be a label Codewalkers sets itself"],
    [{ trigger_label: "CW:Phase" }, "trigger_label: must not be a label Codewalkers sets itself"],
    [{ approval_required: "yes" }, "approval_required: expected true or false"],
    [{ execution_mode: "fast" }, "execution_mode: expected one of review_per_phase, yolo"],
    [{ merge_requires_approval: 1 }, "merge_requires_approval: expected true or false"],
    [{ merge_method: "fast-forward" }, "merge_method: expected one of merge, rebase, squash"],
    [{ max_concurrent_agents: 0 }, "max_concurrent_agents: expected a positive whole number, or null for no limit"],
    [{ max_concurrent_agents: 1.5 }, "max_concurrent_agents: expected a positive whole number, or null for no limit"],
    [{ max_concurrent_agents: "2" }, "max_concurrent_agents: expected a positive whole number, or null for no limit"],
    [{ agent: "gpt" }, "agent: expected one of claude, codex, command, or null for the runner's default"],
    [{ reviewers: "octocat" }, "reviewers: expected a list of GitHub logins or org/team names"],
    [{ reviewers: ["ok", "-bad"] }, "reviewers[1]: expected a GitHub login or org/team"],
    [{ reviewers: ["a--b"] }, "reviewers[0]: expected a GitHub login or org/team"],
    [{ reviewers: ["x".repeat(40)] }, "reviewers[0]: expected a GitHub login or org/team"],
    [{ reviewers: ["org/team/extra"] }, "reviewers[0]: expected a GitHub login or org/team"],
    [{ reviewers: [42] }, "reviewers[0]: expected a GitHub login or org/team"],
  ])("rejects %j", (raw, message) => {
    expect(error(raw)).toBe(message);
  });

  it("names a misspelt key and suggests the right one", () => {
    expect(error({ aproval_required: true })).toBe("aproval_required: unknown setting; did you mean approval_required?");
    expect(error({ Trigger_Label: "x" })).toBe("Trigger_Label: unknown setting; did you mean trigger_label?");
  });

  it("lists the known keys for an unknown one nothing like them", () => {
    expect(error({ colour: "blue" })).toBe(
      "colour: unknown setting (known: trigger_label, approval_required, execution_mode, merge_requires_approval, merge_method, max_concurrent_agents, agent, reviewers, agent_review, board, board_statuses, plan_approval, pages_dir)",
    );
  });

  it("reports every problem, one per line", () => {
    expect(error({ execution_mode: "fast", merge_method: 3, extra: 1 }).split("\n")).toEqual([
      "execution_mode: expected one of review_per_phase, yolo",
      "merge_method: expected one of merge, rebase, squash",
      expect.stringMatching(/^extra: unknown setting/),
    ]);
  });

  it.each([[["a", "b"]], ["text"], [42]])("rejects a file that is not a mapping: %j", (raw) => {
    expect(error(raw)).toBe("expected a mapping of settings (key: value lines)");
  });
});

describe("parseRepoConfigYaml", () => {
  it("parses YAML text", () => {
    const text = "# Codewalkers\ntrigger_label: go\nexecution_mode: yolo\nreviewers:\n  - octocat\n  - acme/team\n";
    expect(parseRepoConfigYaml(text)).toEqual({
      ok: true,
      config: { ...DEFAULT_REPO_CONFIG, triggerLabel: "go", executionMode: "yolo", reviewers: ["octocat", "acme/team"] },
    });
  });

  it("treats an empty file or one of comments as defaults", () => {
    expect(parseRepoConfigYaml("")).toEqual({ ok: true, config: DEFAULT_REPO_CONFIG });
    expect(parseRepoConfigYaml("# nothing yet\n")).toEqual({ ok: true, config: DEFAULT_REPO_CONFIG });
  });

  it("reads YAML 1.2: yes is a string, not a boolean", () => {
    expect(parseRepoConfigYaml("approval_required: yes")).toEqual({ ok: false, error: "approval_required: expected true or false" });
  });

  it("reads ~ and an empty value as null", () => {
    expect(parseRepoConfigYaml("max_concurrent_agents: ~\nagent:\n")).toMatchObject({ ok: true, config: { maxConcurrentAgents: null, agent: null } });
  });

  it("reports a syntax error with its line", () => {
    const result = parseRepoConfigYaml("trigger_label: go\nreviewers: [a,\nagent: codex\n");
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/^invalid YAML at line 3: \S/);
  });

  it("rejects a repeated key with its line", () => {
    expect(parseRepoConfigYaml("agent: codex\nexecution_mode: yolo\nagent: claude\n")).toEqual({
      ok: false,
      error: "invalid YAML at line 3: Map keys must be unique",
    });
  });

  it("refuses an alias bomb as invalid YAML instead of expanding it", () => {
    // Each level repeats the one before ten times: 10^8 nodes if expanded.
    const names = "abcdefgh".split("");
    const lines = names.map((name, i) => {
      const items = i === 0 ? Array(10).fill("x") : Array(10).fill(`*${names[i - 1]}`);
      return `${name}: &${name} [${items.join(", ")}]`;
    });
    const result = parseRepoConfigYaml(lines.join("\n"));
    expect(result).toEqual({ ok: false, error: expect.stringMatching(/^invalid YAML: .*alias/i) });
  });
});

describe("parseMilestoneSettings", () => {
  const described = (block: string, fence = "```") => `Ship the login flow.\n\n${fence}codewalkers\n${block}\n${fence}\n\nMore words.`;

  it("gives empty settings without a block", () => {
    expect(parseMilestoneSettings(null)).toEqual({ settings: {} });
    expect(parseMilestoneSettings(undefined)).toEqual({ settings: {} });
    expect(parseMilestoneSettings("Just a description.\n```yaml\nexecution_mode: yolo\n```")).toEqual({ settings: {} });
  });

  it("reads the block's settings, setting only the keys given", () => {
    expect(parseMilestoneSettings(described("execution_mode: yolo"))).toEqual({ settings: { executionMode: "yolo" } });
    expect(parseMilestoneSettings(described("merge_requires_approval: false\napproval_required: true"))).toEqual({
      settings: { mergeRequiresApproval: false, approvalRequired: true },
    });
  });

  it("accepts a tilde fence, a longer fence and any case of the info string", () => {
    expect(parseMilestoneSettings(described("execution_mode: yolo", "~~~"))).toEqual({ settings: { executionMode: "yolo" } });
    expect(parseMilestoneSettings("````CodeWalkers\nexecution_mode: yolo\n````")).toEqual({ settings: { executionMode: "yolo" } });
  });

  it("treats an empty block as no settings", () => {
    expect(parseMilestoneSettings(described(""))).toEqual({ settings: {} });
  });

  it("reads a block left unclosed to the end of the description", () => {
    expect(parseMilestoneSettings("Intro\n```codewalkers\napproval_required: true")).toEqual({ settings: { approvalRequired: true } });
  });

  it("handles CRLF", () => {
    expect(parseMilestoneSettings("Intro\r\n```codewalkers\r\nexecution_mode: yolo\r\n```\r\n")).toEqual({ settings: { executionMode: "yolo" } });
  });

  it("ignores a block shown as an example inside a longer fence", () => {
    const description = "How to configure:\n````md\n```codewalkers\nexecution_mode: yolo\n```\n````";
    expect(parseMilestoneSettings(description)).toEqual({ settings: {} });
  });

  it("rejects repository-only and unknown keys, with empty settings", () => {
    expect(parseMilestoneSettings(described("execution_mode: yolo\ntrigger_label: go"))).toEqual({
      settings: {},
      error:
        "trigger_label: unknown setting (known: execution_mode, merge_requires_approval, approval_required, board, board_statuses, plan_approval, pages_dir)",
    });
    expect(parseMilestoneSettings(described("executon_mode: yolo"))).toEqual({
      settings: {},
      error: "executon_mode: unknown setting; did you mean execution_mode?",
    });
  });

  it("rejects invalid values, with empty settings", () => {
    expect(parseMilestoneSettings(described("execution_mode: yolo\napproval_required: maybe"))).toEqual({
      settings: {},
      error: "approval_required: expected true or false",
    });
    expect(parseMilestoneSettings(described("execution_mode: fast"))).toEqual({
      settings: {},
      error: "execution_mode: expected one of review_per_phase, yolo",
    });
  });

  it("rejects a block that is not a mapping", () => {
    expect(parseMilestoneSettings(described("- yolo"))).toEqual({ settings: {}, error: "expected a mapping of settings (key: value lines)" });
  });

  it("reports a YAML syntax error with its line in the description", () => {
    // Lines: 1 text, 2 blank, 3 fence, 4 first setting, 5 broken.
    const result = parseMilestoneSettings(described("execution_mode: yolo\napproval_required: [true,"));
    expect(result.settings).toEqual({});
    expect(result.error).toMatch(/^invalid YAML at line 5: \S/);
  });

  it("rejects more than one block rather than guess", () => {
    const description = `${described("execution_mode: yolo")}\n${described("execution_mode: review_per_phase")}`;
    expect(parseMilestoneSettings(description)).toEqual({ settings: {}, error: "found 2 ```codewalkers blocks; keep one" });
  });
});

describe("effectiveSettings", () => {
  const repo: RepoConfig = { ...DEFAULT_REPO_CONFIG, approvalRequired: true, reviewers: ["octocat"] };

  it("is the repository's config when the milestone sets nothing", () => {
    expect(effectiveSettings(repo, {})).toEqual(repo);
  });

  it("takes each value the milestone sets, including false", () => {
    expect(effectiveSettings(repo, { executionMode: "yolo", mergeRequiresApproval: false, approvalRequired: false })).toEqual({
      ...repo,
      executionMode: "yolo",
      mergeRequiresApproval: false,
      approvalRequired: false,
    });
  });

  it("mixes: the milestone's where set, the repository's elsewhere", () => {
    const merged = effectiveSettings(repo, { mergeRequiresApproval: false });
    expect(merged).toMatchObject({ executionMode: "review_per_phase", mergeRequiresApproval: false, approvalRequired: true });
  });

  it("leaves its inputs alone", () => {
    const milestone = { executionMode: "yolo" as const };
    effectiveSettings(repo, milestone);
    expect(repo.executionMode).toBe("review_per_phase");
    expect(milestone).toEqual({ executionMode: "yolo" });
  });
});
