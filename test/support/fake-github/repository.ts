/**
 * One repository of the fake GitHub: its state, the changes GitHub makes to it (each queueing
 * the webhooks GitHub would send, whoever the actor is), and its objects as GitHub renders them.
 * REST routes and people's actions both change state through these methods, so an API write
 * by the app and the same click by a person produce the same webhooks.
 */
import { READER, WRITER } from "../payloads.js";
import { isBot, notFound, validationFailed } from "./errors.js";
import { apiUrl, appObject, labelObject, repositoryObject, userObject, webUrl, type RepoInfo } from "./objects.js";
import { PullRequests } from "./pull-requests.js";
import type { CommentState, IssueEvent, IssueState, IssueStateReason, LabelState, MilestoneState, RepositoryOptions, Role, UserSpec } from "./types.js";

type Json = Record<string, unknown>;

/** What a repository needs from the fake it belongs to. */
export interface Hub {
  now(): string;
  nextId(): number;
  queue(event: string, payload: Json, actor: UserSpec): void;
  envelope(repo: FakeRepository, sender: UserSpec): Json;
  issueById(id: number): { repo: FakeRepository; issue: IssueState } | undefined;
  repository(fullName: string): FakeRepository | undefined;
  allIssues(): { repo: FakeRepository; issue: IssueState }[];
  readonly mirrorRelationEvents: boolean;
}

export { GitHubError, isBot, notFound, validationFailed } from "./errors.js";

export interface IssueInput {
  title: string;
  body?: string | null;
  labels?: string[];
  milestone?: number | null;
  assignees?: string[];
}

export interface IssuePatch {
  title?: string;
  body?: string | null;
  state?: "open" | "closed";
  stateReason?: IssueStateReason | null;
  labels?: string[];
  milestone?: number | null;
  assignees?: string[];
}

export interface MilestoneInput {
  title: string;
  description?: string | null;
  dueOn?: string | null;
}

export class FakeRepository {
  readonly info: RepoInfo;
  readonly labels: LabelState[] = [];
  readonly milestones = new Map<number, MilestoneState>();
  readonly issues = new Map<number, IssueState>();
  readonly comments = new Map<number, CommentState>();
  readonly collaborators = new Map<string, { user: UserSpec; role: Role }>();
  readonly files = new Map<string, string>();
  /** Pull requests, their reviews and check runs (a pull request's issue half is in `issues`). */
  readonly pullRequests: PullRequests;
  private nextNumber = 1;
  private nextMilestone = 1;

  constructor(
    private readonly hub: Hub,
    options: RepositoryOptions,
    private readonly issueIdBase: number,
    private readonly milestoneIdBase: number,
    defaults: { owner: string; name: string; id: number },
  ) {
    const owner = options.owner ?? defaults.owner;
    const name = options.name ?? defaults.name;
    const id = options.id ?? defaults.id;
    this.info = {
      owner,
      name,
      fullName: `${owner}/${name}`,
      id,
      nodeId: `R_${id}`,
      defaultBranch: options.defaultBranch ?? "main",
      cloneUrl: options.cloneUrl ?? `https://github.com/${owner}/${name}.git`,
      private: options.private ?? false,
    };
    for (const label of options.labels ?? []) {
      const spec = typeof label === "string" ? { name: label } : label;
      this.defineLabel(spec.name, spec.color ?? "ededed", spec.description ?? null);
    }
    for (const [path, text] of Object.entries(options.files ?? {})) this.files.set(path, text);
    const collaborators = options.collaborators ?? { [WRITER.login]: "write", [READER.login]: "read" };
    for (const [login, role] of Object.entries(collaborators)) this.setRole(login, role);
    // Pull requests have database ids of their own, apart from their issues'.
    this.pullRequests = new PullRequests(this, hub, issueIdBase + 500_000, { allowAutoMerge: options.allowAutoMerge });
  }

  get fullName(): string {
    return this.info.fullName;
  }

  // ---------------------------------------------------------------- lookups

  issue(number: number): IssueState {
    const issue = this.issues.get(number);
    if (!issue || issue.gone) throw notFound();
    return issue;
  }

  label(name: string): LabelState | undefined {
    return this.labels.find((l) => l.name.toLowerCase() === name.toLowerCase());
  }

  milestone(number: number): MilestoneState {
    const milestone = this.milestones.get(number);
    if (!milestone) throw notFound();
    return milestone;
  }

  comment(id: number): CommentState {
    const comment = this.comments.get(id);
    if (!comment || comment.deleted) throw notFound();
    return comment;
  }

  commentsOn(number: number): CommentState[] {
    return [...this.comments.values()].filter((c) => c.issueNumber === number && !c.deleted);
  }

  role(login: string): Role | undefined {
    return this.collaborators.get(login.toLowerCase())?.role;
  }

  // ---------------------------------------------------------------- labels and collaborators

  /** Creates a label definition; `created` is false when one with that name (any case) exists. */
  defineLabel(name: string, color = "ededed", description: string | null = null): { label: LabelState; created: boolean } {
    const existing = this.label(name);
    if (existing) return { label: existing, created: false };
    const label: LabelState = { id: this.hub.nextId(), name, color, description };
    this.labels.push(label);
    return { label, created: true };
  }

  setRole(login: string, role: Role, id?: number): void {
    this.collaborators.set(login.toLowerCase(), { user: { login, id }, role });
  }

  // ---------------------------------------------------------------- issues

  createIssue(input: IssueInput, actor: UserSpec): IssueState {
    if (input.milestone != null) this.milestone(input.milestone);
    const issue = this.newIssue(input.title, input.body ?? null, actor);
    // GitHub sends `opened` with everything the issue was created with, then one event per
    // attribute (labeled per label, milestoned, assigned), as if each had been set just after.
    issue.labels = (input.labels ?? []).map((name) => this.defineLabel(name).label.name);
    issue.milestone = input.milestone ?? null;
    issue.assignees = (input.assignees ?? []).map((login) => this.userFor(login));
    this.queueIssues("opened", issue, actor);
    for (const name of issue.labels) this.recordLabelEvent(issue, "labeled", name, actor);
    if (issue.milestone !== null) this.recordMilestoneEvent(issue, "milestoned", issue.milestone, actor);
    for (const assignee of issue.assignees) this.recordAssigneeEvent(issue, "assigned", assignee, actor);
    return issue;
  }

  /** Adds the labels the issue lacks; returns the ones added. Unknown labels are created, as GitHub does. */
  addLabels(number: number, names: string[], actor: UserSpec): string[] {
    const issue = this.issue(number);
    const added: string[] = [];
    for (const raw of names) {
      const name = this.defineLabel(raw).label.name;
      if (issue.labels.some((l) => l.toLowerCase() === name.toLowerCase())) continue;
      issue.labels.push(name);
      added.push(name);
      this.touch(issue);
      this.recordLabelEvent(issue, "labeled", name, actor);
    }
    return added;
  }

  /** Removes one label; false when the issue did not have it. */
  removeLabel(number: number, name: string, actor: UserSpec): boolean {
    const issue = this.issue(number);
    const index = issue.labels.findIndex((l) => l.toLowerCase() === name.toLowerCase());
    if (index < 0) return false;
    const [removed] = issue.labels.splice(index, 1);
    this.touch(issue);
    this.recordLabelEvent(issue, "unlabeled", removed!, actor);
    return true;
  }

  /** Replaces the issue's labels; returns whether anything changed. */
  setLabels(number: number, names: string[], actor: UserSpec): boolean {
    const issue = this.issue(number);
    const wanted = new Set(names.map((n) => n.toLowerCase()));
    let changed = false;
    for (const name of [...issue.labels]) {
      if (!wanted.has(name.toLowerCase())) changed = this.removeLabel(number, name, actor) || changed;
    }
    return this.addLabels(number, names, actor).length > 0 || changed;
  }

  /** Applies an issue PATCH; returns whether anything changed. */
  updateIssue(number: number, patch: IssuePatch, actor: UserSpec): boolean {
    const issue = this.issue(number);
    let changed = false;
    const changes: Json = {};
    if (patch.title !== undefined && patch.title !== issue.title) {
      changes.title = { from: issue.title };
      issue.events.push(this.event("renamed", actor, { rename: { from: issue.title, to: patch.title } }));
      issue.title = patch.title;
    }
    if (patch.body !== undefined && patch.body !== issue.body) {
      changes.body = { from: issue.body ?? "" };
      issue.body = patch.body;
    }
    if (Object.keys(changes).length > 0) {
      changed = true;
      this.touch(issue);
      this.queueIssues("edited", issue, actor, { changes });
    }
    if (patch.labels !== undefined) changed = this.setLabels(number, patch.labels, actor) || changed;
    if (patch.milestone !== undefined && patch.milestone !== issue.milestone) {
      if (patch.milestone !== null) this.milestone(patch.milestone);
      const old = issue.milestone;
      issue.milestone = patch.milestone;
      this.touch(issue);
      if (old !== null) this.recordMilestoneEvent(issue, "demilestoned", old, actor);
      if (patch.milestone !== null) this.recordMilestoneEvent(issue, "milestoned", patch.milestone, actor);
      changed = true;
    }
    if (patch.assignees !== undefined) {
      const wanted = patch.assignees.map((login) => this.userFor(login));
      const has = (list: UserSpec[], u: UserSpec) => list.some((x) => x.login.toLowerCase() === u.login.toLowerCase());
      for (const gone of issue.assignees.filter((u) => !has(wanted, u))) {
        issue.assignees = issue.assignees.filter((u) => u !== gone);
        this.recordAssigneeEvent(issue, "unassigned", gone, actor);
        changed = true;
      }
      for (const added of wanted.filter((u) => !has(issue.assignees, u))) {
        issue.assignees.push(added);
        this.recordAssigneeEvent(issue, "assigned", added, actor);
        changed = true;
      }
    }
    if (patch.state !== undefined && patch.state !== issue.state) {
      changed = true;
      if (patch.state === "closed") this.close(issue, patch.stateReason ?? "completed", actor);
      else this.reopen(issue, actor);
    } else if (patch.state === "closed" && patch.stateReason !== undefined && patch.stateReason !== issue.stateReason) {
      issue.stateReason = patch.stateReason;
      this.touch(issue);
      changed = true;
    }
    return changed;
  }

  deleteIssue(number: number, actor: UserSpec): void {
    const issue = this.issue(number);
    if (this.pullRequests.has(number)) throw validationFailed("Pull requests cannot be deleted");
    const payload = this.issueObject(issue);
    this.detachRelations(issue);
    issue.gone = { kind: "deleted" };
    this.hub.queue("issues", { action: "deleted", issue: payload, ...this.hub.envelope(this, actor) }, actor);
  }

  /**
   * Moves the issue to `toFullName`. When that repository is part of the fake, the issue is
   * recreated there (and `opened` is sent to it); the old location then answers 301 to it.
   */
  transferIssue(number: number, toFullName: string, actor: UserSpec): { fullName: string; number: number } {
    const issue = this.issue(number);
    if (this.pullRequests.has(number)) throw validationFailed("Pull requests cannot be transferred");
    const oldPayload = this.issueObject(issue);
    const target = this.hub.repository(toFullName);
    let newIssue: Json;
    let newRepository: Json;
    let to: { fullName: string; number: number };
    if (target) {
      // Labels and milestones do not travel unless the target has them; keep it simple: labels that exist there.
      const created = target.createIssueQuietly({ title: issue.title, body: issue.body, labels: issue.labels.filter((l) => target.label(l)) }, issue.user);
      newIssue = target.issueObject(created);
      newRepository = repositoryObject(target.info);
      to = { fullName: target.fullName, number: created.number };
    } else {
      const [owner = "elsewhere", name = "elsewhere"] = toFullName.split("/");
      const info: RepoInfo = { ...this.info, owner, name, fullName: toFullName, id: this.info.id + 1_000_000, nodeId: `R_${this.info.id + 1_000_000}` };
      newRepository = repositoryObject(info);
      newIssue = {
        ...oldPayload,
        number: 1,
        id: issue.id + 500_000,
        url: apiUrl(info, "/issues/1"),
        html_url: webUrl(info, "/issues/1"),
        repository_url: apiUrl(info),
      };
      to = { fullName: toFullName, number: 1 };
    }
    this.detachRelations(issue);
    issue.gone = { kind: "transferred", to: target ? to : null };
    this.hub.queue(
      "issues",
      { action: "transferred", issue: oldPayload, changes: { new_issue: newIssue, new_repository: newRepository }, ...this.hub.envelope(this, actor) },
      actor,
    );
    if (target) target.queueIssues("opened", target.issue(to.number), actor);
    return to;
  }

  /** For transfers: the issue appears without an `opened` of its own (the caller sends it). */
  createIssueQuietly(input: IssueInput, user: UserSpec): IssueState {
    const issue = this.newIssue(input.title, input.body ?? null, user);
    issue.createdByApp = false;
    issue.labels = (input.labels ?? []).map((n) => this.defineLabel(n).label.name);
    return issue;
  }

  /** A new entry in the number sequence issues and pull requests share (no webhook). */
  newIssue(title: string, body: string | null, user: UserSpec): IssueState {
    const now = this.hub.now();
    const number = this.nextNumber++;
    const issue: IssueState = {
      number,
      id: this.issueIdBase + number,
      title,
      body,
      state: "open",
      stateReason: null,
      labels: [],
      milestone: null,
      assignees: [],
      user,
      createdByApp: isBot(user),
      parent: null,
      children: [],
      blockedBy: [],
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      closedBy: null,
      events: [],
      gone: null,
    };
    this.issues.set(number, issue);
    return issue;
  }

  // ---------------------------------------------------------------- comments

  createComment(number: number, body: string, actor: UserSpec): CommentState {
    const issue = this.issue(number);
    const now = this.hub.now();
    const comment: CommentState = {
      id: this.hub.nextId(),
      issueNumber: number,
      body,
      user: actor,
      viaApp: isBot(actor),
      createdAt: now,
      updatedAt: now,
      deleted: false,
    };
    this.comments.set(comment.id, comment);
    this.touch(issue);
    this.queueComment("created", comment, actor);
    return comment;
  }

  /** Returns whether the body changed. */
  updateComment(id: number, body: string, actor: UserSpec): boolean {
    const comment = this.comment(id);
    if (comment.body === body) return false;
    const from = comment.body;
    comment.body = body;
    comment.updatedAt = this.hub.now();
    this.queueComment("edited", comment, actor, { changes: { body: { from } } });
    return true;
  }

  deleteComment(id: number, actor: UserSpec): void {
    const comment = this.comment(id);
    comment.deleted = true;
    this.queueComment("deleted", comment, actor);
  }

  // ---------------------------------------------------------------- milestones

  createMilestone(input: MilestoneInput, actor: UserSpec): MilestoneState {
    const now = this.hub.now();
    const number = this.nextMilestone++;
    const milestone: MilestoneState = {
      number,
      id: this.milestoneIdBase + number,
      title: input.title,
      description: input.description ?? null,
      state: "open",
      dueOn: input.dueOn ?? null,
      creator: actor,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
    };
    this.milestones.set(number, milestone);
    this.queueMilestone("created", milestone, actor);
    return milestone;
  }

  /** Returns whether anything changed. Title, description and due date send `edited`; state sends `closed` / `opened`. */
  updateMilestone(number: number, patch: Partial<MilestoneInput> & { state?: "open" | "closed" }, actor: UserSpec): boolean {
    const milestone = this.milestone(number);
    const changes: Json = {};
    if (patch.title !== undefined && patch.title !== milestone.title) {
      changes.title = { from: milestone.title };
      milestone.title = patch.title;
    }
    if (patch.description !== undefined && patch.description !== milestone.description) {
      changes.description = { from: milestone.description ?? "" };
      milestone.description = patch.description;
    }
    if (patch.dueOn !== undefined && patch.dueOn !== milestone.dueOn) {
      changes.due_on = { from: milestone.dueOn };
      milestone.dueOn = patch.dueOn;
    }
    let changed = Object.keys(changes).length > 0;
    if (changed) {
      milestone.updatedAt = this.hub.now();
      this.queueMilestone("edited", milestone, actor, { changes });
    }
    if (patch.state !== undefined && patch.state !== milestone.state) {
      milestone.state = patch.state;
      milestone.updatedAt = this.hub.now();
      milestone.closedAt = patch.state === "closed" ? milestone.updatedAt : null;
      this.queueMilestone(patch.state === "closed" ? "closed" : "opened", milestone, actor);
      changed = true;
    }
    return changed;
  }

  /** GitHub takes the milestone off its issues without an event per issue. */
  deleteMilestone(number: number, actor: UserSpec): void {
    const milestone = this.milestone(number);
    const payload = this.milestoneObject(milestone);
    this.milestones.delete(number);
    for (const issue of this.issues.values()) if (issue.milestone === number) issue.milestone = null;
    this.hub.queue("milestone", { action: "deleted", milestone: payload, ...this.hub.envelope(this, actor) }, actor);
  }

  // ---------------------------------------------------------------- sub-issues and dependencies

  addSubIssue(parentNumber: number, childId: number, actor: UserSpec, replaceParent = false): IssueState {
    const parent = this.issue(parentNumber);
    const found = this.hub.issueById(childId);
    if (!found || found.issue.gone) throw notFound();
    const child = found.issue;
    if (child.id === parent.id) throw validationFailed("An issue cannot be its own sub-issue");
    if (child.parent === parent.id) throw validationFailed("Issue is already a sub-issue of this parent");
    if (child.parent !== null) {
      if (!replaceParent) throw validationFailed("Issue may not contain duplicate sub-issues and Sub issue may only have one parent");
      const old = this.hub.issueById(child.parent);
      if (old) old.repo.removeSubIssue(old.issue.number, child.id, actor);
    }
    parent.children.push(child.id);
    child.parent = parent.id;
    this.touch(parent);
    this.queueSubIssue("added", parent, found.repo, child, actor);
    return parent;
  }

  removeSubIssue(parentNumber: number, childId: number, actor: UserSpec): IssueState {
    const parent = this.issue(parentNumber);
    const found = this.hub.issueById(childId);
    if (!found || !parent.children.includes(childId)) throw notFound();
    parent.children = parent.children.filter((id) => id !== childId);
    found.issue.parent = null;
    this.touch(parent);
    this.queueSubIssue("removed", parent, found.repo, found.issue, actor);
    return found.issue;
  }

  addBlockedBy(number: number, blockerId: number, actor: UserSpec): { repo: FakeRepository; issue: IssueState } {
    const blocked = this.issue(number);
    const found = this.hub.issueById(blockerId);
    if (!found || found.issue.gone) throw notFound();
    if (found.issue.id === blocked.id) throw validationFailed("An issue cannot be blocked by itself");
    if (blocked.blockedBy.includes(blockerId)) throw validationFailed("Issue dependency already exists");
    blocked.blockedBy.push(blockerId);
    this.touch(blocked);
    this.queueDependency("added", blocked, found.repo, found.issue, actor);
    return found;
  }

  removeBlockedBy(number: number, blockerId: number, actor: UserSpec): { repo: FakeRepository; issue: IssueState } {
    const blocked = this.issue(number);
    const found = this.hub.issueById(blockerId);
    if (!found || !blocked.blockedBy.includes(blockerId)) throw notFound();
    blocked.blockedBy = blocked.blockedBy.filter((id) => id !== blockerId);
    this.touch(blocked);
    this.queueDependency("removed", blocked, found.repo, found.issue, actor);
    return found;
  }

  // ---------------------------------------------------------------- rendering

  issueObject(issue: IssueState): Json {
    const url = apiUrl(this.info, `/issues/${issue.number}`);
    const children = issue.children.map((id) => this.hub.issueById(id)?.issue).filter((i): i is IssueState => Boolean(i));
    const completed = children.filter((c) => c.state === "closed").length;
    const blockers = issue.blockedBy.map((id) => this.hub.issueById(id)?.issue).filter((i): i is IssueState => Boolean(i));
    const blocking = this.hub.allIssues().filter(({ issue: other }) => !other.gone && other.blockedBy.includes(issue.id));
    const parent = issue.parent === null ? undefined : this.hub.issueById(issue.parent);
    const assignees = issue.assignees.map(userObject);
    const pr = this.pullRequests.pulls.get(issue.number);
    return {
      url,
      repository_url: apiUrl(this.info),
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      events_url: `${url}/events`,
      html_url: webUrl(this.info, `/${pr ? "pull" : "issues"}/${issue.number}`),
      timeline_url: `${url}/timeline`,
      id: issue.id,
      node_id: `I_${issue.id}`,
      number: issue.number,
      title: issue.title,
      user: userObject(issue.user),
      labels: issue.labels.map((name) => labelObject(this.info, this.label(name) ?? { id: 0, name, color: "ededed", description: null })),
      state: issue.state,
      state_reason: issue.stateReason,
      locked: false,
      active_lock_reason: null,
      assignee: assignees[0] ?? null,
      assignees,
      milestone: issue.milestone === null ? null : this.milestoneObject(this.milestone(issue.milestone)),
      comments: this.commentsOn(issue.number).length,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      closed_at: issue.closedAt,
      closed_by: issue.closedBy ? userObject(issue.closedBy) : null,
      author_association: this.associationOf(issue.user),
      body: issue.body,
      reactions: reactions(`${url}/reactions`),
      performed_via_github_app: issue.createdByApp ? appObject() : null,
      ...(pr
        ? {
            draft: pr.draft,
            pull_request: {
              url: apiUrl(this.info, `/pulls/${issue.number}`),
              html_url: webUrl(this.info, `/pull/${issue.number}`),
              diff_url: webUrl(this.info, `/pull/${issue.number}.diff`),
              patch_url: webUrl(this.info, `/pull/${issue.number}.patch`),
              merged_at: pr.mergedAt,
            },
          }
        : {}),
      parent_issue_url: parent ? parent.repo.issueObjectUrl(parent.issue) : null,
      sub_issues_summary: {
        total: children.length,
        completed,
        percent_completed: children.length === 0 ? 0 : Math.floor((completed * 100) / children.length),
      },
      issue_dependencies_summary: {
        blocked_by: blockers.filter((b) => b.state === "open").length,
        total_blocked_by: blockers.length,
        blocking: blocking.filter(({ issue: b }) => b.state === "open").length,
        total_blocking: blocking.length,
      },
    };
  }

  issueObjectUrl(issue: IssueState): string {
    return apiUrl(this.info, `/issues/${issue.number}`);
  }

  milestoneObject(milestone: MilestoneState): Json {
    const issues = [...this.issues.values()].filter((i) => !i.gone && i.milestone === milestone.number);
    return {
      url: apiUrl(this.info, `/milestones/${milestone.number}`),
      html_url: webUrl(this.info, `/milestone/${milestone.number}`),
      labels_url: apiUrl(this.info, `/milestones/${milestone.number}/labels`),
      id: milestone.id,
      node_id: `MI_${milestone.id}`,
      number: milestone.number,
      title: milestone.title,
      description: milestone.description,
      creator: userObject(milestone.creator),
      open_issues: issues.filter((i) => i.state === "open").length,
      closed_issues: issues.filter((i) => i.state === "closed").length,
      state: milestone.state,
      created_at: milestone.createdAt,
      updated_at: milestone.updatedAt,
      due_on: milestone.dueOn,
      closed_at: milestone.closedAt,
    };
  }

  commentObject(comment: CommentState): Json {
    return {
      url: apiUrl(this.info, `/issues/comments/${comment.id}`),
      html_url: webUrl(this.info, `/issues/${comment.issueNumber}#issuecomment-${comment.id}`),
      issue_url: apiUrl(this.info, `/issues/${comment.issueNumber}`),
      id: comment.id,
      node_id: `IC_${comment.id}`,
      user: userObject(comment.user),
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      author_association: this.associationOf(comment.user),
      body: comment.body,
      reactions: reactions(apiUrl(this.info, `/issues/comments/${comment.id}/reactions`)),
      performed_via_github_app: comment.viaApp ? appObject() : null,
    };
  }

  eventObject(event: IssueEvent): Json {
    const object: Json = {
      id: event.id,
      node_id: `E_${event.id}`,
      url: apiUrl(this.info, `/issues/events/${event.id}`),
      actor: userObject(event.actor),
      event: event.event,
      commit_id: null,
      commit_url: null,
      created_at: event.createdAt,
      performed_via_github_app: isBot(event.actor) ? appObject() : null,
    };
    if (event.label) object.label = event.label;
    if (event.milestone) object.milestone = event.milestone;
    if (event.rename) object.rename = event.rename;
    if (event.assignee) {
      object.assignee = userObject(event.assignee);
      object.assigner = userObject(event.actor);
    }
    if (event.stateReason !== undefined) object.state_reason = event.stateReason;
    return object;
  }

  collaboratorPermission(login: string): Json {
    const entry = this.collaborators.get(login.toLowerCase());
    if (!entry) throw notFound();
    const permission = { admin: "admin", maintain: "write", write: "write", triage: "read", read: "read", none: "none" }[entry.role];
    const rank = ["none", "read", "triage", "write", "maintain", "admin"].indexOf(entry.role);
    return {
      permission,
      role_name: entry.role,
      user: {
        ...userObject(entry.user),
        permissions: { admin: rank >= 5, maintain: rank >= 4, push: rank >= 3, triage: rank >= 2, pull: rank >= 1 },
        role_name: entry.role,
      },
    };
  }

  // ---------------------------------------------------------------- webhooks

  /** The issue half of a pull request changing is sent as `pull_request` (labeled, edited, closed…), as GitHub does. */
  queueIssues(action: string, issue: IssueState, actor: UserSpec, extra: Json = {}): void {
    const pr = this.pullRequests.pulls.get(issue.number);
    if (pr) {
      this.pullRequests.queuePull(action, pr, actor, extra);
      return;
    }
    this.hub.queue("issues", { action, issue: this.issueObject(issue), ...extra, ...this.hub.envelope(this, actor) }, actor);
  }

  private queueComment(action: string, comment: CommentState, actor: UserSpec, extra: Json = {}): void {
    const issue = this.issues.get(comment.issueNumber)!;
    this.hub.queue(
      "issue_comment",
      { action, issue: this.issueObject(issue), comment: this.commentObject(comment), ...extra, ...this.hub.envelope(this, actor) },
      actor,
    );
  }

  private queueMilestone(action: string, milestone: MilestoneState, actor: UserSpec, extra: Json = {}): void {
    this.hub.queue("milestone", { action, milestone: this.milestoneObject(milestone), ...extra, ...this.hub.envelope(this, actor) }, actor);
  }

  private queueSubIssue(change: "added" | "removed", parent: IssueState, childRepo: FakeRepository, child: IssueState, actor: UserSpec): void {
    const parentObject = this.issueObject(parent);
    const childObject = childRepo.issueObject(child);
    const ids = { parent_issue_id: parent.id, parent_issue: parentObject, sub_issue_id: child.id, sub_issue: childObject };
    this.hub.queue(
      "sub_issues",
      { action: `sub_issue_${change}`, ...ids, sub_issue_repo: repositoryObject(childRepo.info), ...this.hub.envelope(this, actor) },
      actor,
    );
    if (this.hub.mirrorRelationEvents) {
      this.hub.queue(
        "sub_issues",
        { action: `parent_issue_${change}`, ...ids, parent_issue_repo: repositoryObject(this.info), ...this.hub.envelope(childRepo, actor) },
        actor,
      );
    }
  }

  private queueDependency(change: "added" | "removed", blocked: IssueState, blockingRepo: FakeRepository, blocking: IssueState, actor: UserSpec): void {
    const ids = {
      blocked_issue_id: blocked.id,
      blocked_issue: this.issueObject(blocked),
      blocking_issue_id: blocking.id,
      blocking_issue: blockingRepo.issueObject(blocking),
    };
    this.hub.queue(
      "issue_dependencies",
      { action: `blocked_by_${change}`, ...ids, blocking_issue_repo: repositoryObject(blockingRepo.info), ...this.hub.envelope(this, actor) },
      actor,
    );
    if (this.hub.mirrorRelationEvents) {
      this.hub.queue(
        "issue_dependencies",
        { action: `blocking_${change}`, ...ids, blocked_issue_repo: repositoryObject(this.info), ...this.hub.envelope(blockingRepo, actor) },
        actor,
      );
    }
  }

  // ---------------------------------------------------------------- internals

  private close(issue: IssueState, reason: IssueStateReason, actor: UserSpec): void {
    const isPull = this.pullRequests.has(issue.number);
    if (isPull) this.pullRequests.onClosed(issue.number);
    issue.state = "closed";
    issue.stateReason = isPull ? null : reason;
    issue.closedAt = this.hub.now();
    issue.closedBy = actor;
    this.touch(issue);
    issue.events.push(this.event("closed", actor, { stateReason: issue.stateReason }));
    this.queueIssues("closed", issue, actor);
  }

  private reopen(issue: IssueState, actor: UserSpec): void {
    issue.state = "open";
    issue.stateReason = this.pullRequests.has(issue.number) ? null : "reopened";
    issue.closedAt = null;
    issue.closedBy = null;
    this.touch(issue);
    issue.events.push(this.event("reopened", actor, { stateReason: "reopened" }));
    this.queueIssues("reopened", issue, actor);
  }

  private recordLabelEvent(issue: IssueState, action: "labeled" | "unlabeled", name: string, actor: UserSpec): void {
    const label = this.label(name) ?? { id: 0, name, color: "ededed", description: null };
    issue.events.push(this.event(action, actor, { label: { name: label.name, color: label.color } }));
    this.queueIssues(action, issue, actor, { label: labelObject(this.info, label) });
  }

  private recordMilestoneEvent(issue: IssueState, action: "milestoned" | "demilestoned", number: number, actor: UserSpec): void {
    const milestone = this.milestone(number);
    issue.events.push(this.event(action, actor, { milestone: { title: milestone.title } }));
    this.queueIssues(action, issue, actor, { milestone: this.milestoneObject(milestone) });
  }

  private recordAssigneeEvent(issue: IssueState, action: "assigned" | "unassigned", assignee: UserSpec, actor: UserSpec): void {
    this.touch(issue);
    issue.events.push(this.event(action, actor, { assignee }));
    this.queueIssues(action, issue, actor, { assignee: userObject(assignee) });
  }

  event(event: string, actor: UserSpec, extra: Partial<IssueEvent> = {}): IssueEvent {
    return { id: this.hub.nextId(), event, actor, createdAt: this.hub.now(), ...extra };
  }

  touch(issue: IssueState): void {
    issue.updatedAt = this.hub.now();
  }

  private detachRelations(issue: IssueState): void {
    if (issue.parent !== null) {
      const parent = this.hub.issueById(issue.parent);
      if (parent) parent.issue.children = parent.issue.children.filter((id) => id !== issue.id);
    }
    for (const childId of issue.children) {
      const child = this.hub.issueById(childId);
      if (child) child.issue.parent = null;
    }
    for (const { issue: other } of this.hub.allIssues()) other.blockedBy = other.blockedBy.filter((id) => id !== issue.id);
  }

  userFor(login: string): UserSpec {
    return this.collaborators.get(login.toLowerCase())?.user ?? { login };
  }

  associationOf(user: UserSpec): string {
    if (isBot(user)) return "NONE";
    if (user.login.toLowerCase() === this.info.owner.toLowerCase()) return "OWNER";
    const role = this.role(user.login);
    return role && role !== "none" ? "COLLABORATOR" : "NONE";
  }
}

function reactions(url: string): Json {
  return { url, total_count: 0, "+1": 0, "-1": 0, laugh: 0, hooray: 0, confused: 0, heart: 0, rocket: 0, eyes: 0 };
}
