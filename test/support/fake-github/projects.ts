/**
 * Organization projects (Projects v2) in the fake GitHub, answered through POST /graphql: the
 * query `organization(login).projectV2(number)` with fields and options, the paged
 * `node(id: project).items`, and the mutations `addProjectV2ItemById` and (aliased, several per
 * request) `updateProjectV2ItemFieldValue`. The app's writes and people's actions queue the
 * `projects_v2_item` webhooks GitHub sends (created, edited with changes.field_value, deleted).
 * Every write is logged (`writes`), redundant ones marked.
 *
 * A board can be made unreachable like GitHub makes it: `access: "forbidden"` (the organization
 * did not grant the Projects permission: FORBIDDEN), a number that does not exist (NOT_FOUND,
 * projectV2 null), or a user's project (the app never sees it: the same null).
 */
import { APP_BOT, userObject, installationNodeId } from "./objects.js";
import type { RouteResponse } from "./routes.js";
import type { UserSpec } from "./types.js";

type Json = Record<string, unknown>;

export interface BoardFieldSpec {
  name: string;
  dataType: "SINGLE_SELECT" | "TEXT" | "NUMBER" | "DATE";
  options?: string[];
}

export interface BoardSpec {
  org?: string;
  number?: number;
  title?: string;
  /** The Status field's options (default GitHub's: Todo, In Progress, Done); null: no Status field. */
  statusOptions?: string[] | null;
  /** Other fields (Phase, Priority, Agent, Attempts…). */
  fields?: BoardFieldSpec[];
  access?: "ok" | "forbidden";
}

interface Field {
  id: string;
  name: string;
  dataType: string;
  options?: { id: string; name: string }[];
}

interface Item {
  id: string;
  databaseId: number;
  contentNodeId: string;
  contentType: "Issue" | "PullRequest" | "DraftIssue";
  values: Map<string, string | number>;
}

export interface FakeBoard {
  nodeId: string;
  org: string;
  number: number;
  title: string;
  fields: Field[];
  items: Item[];
  access: "ok" | "forbidden";
}

export interface BoardWrite {
  op: "add" | "update";
  board: string;
  contentNodeId: string;
  field?: string;
  value?: string | number;
  redundant: boolean;
}

interface ProjectsHub {
  readonly installationId: number;
  queue(event: string, payload: Json, actor: UserSpec): void;
  now(): string;
}

export class FakeProjects {
  readonly boards: FakeBoard[] = [];
  readonly writes: BoardWrite[] = [];
  #next = 1;

  constructor(private readonly hub: ProjectsHub) {}

  create(spec: BoardSpec = {}): FakeBoard {
    const id = this.#next++;
    const fields: Field[] = [{ id: `PVTF_title${id}`, name: "Title", dataType: "TITLE" }];
    const status = spec.statusOptions === undefined ? ["Todo", "In Progress", "Done"] : spec.statusOptions;
    if (status !== null) fields.push(this.field(id, { name: "Status", dataType: "SINGLE_SELECT", options: status }));
    for (const f of spec.fields ?? []) fields.push(this.field(id, f));
    const board: FakeBoard = {
      nodeId: `PVT_kwDO${id}`,
      org: spec.org ?? "Codertocat",
      number: spec.number ?? id,
      title: spec.title ?? `Board ${id}`,
      fields,
      items: [],
      access: spec.access ?? "ok",
    };
    this.boards.push(board);
    return board;
  }

  private field(boardId: number, spec: BoardFieldSpec): Field {
    const id = this.#next++;
    const prefix = spec.dataType === "SINGLE_SELECT" ? "PVTSSF" : "PVTF";
    return {
      id: `${prefix}_${boardId}_${id}`,
      name: spec.name,
      dataType: spec.dataType,
      ...(spec.options ? { options: spec.options.map((name, i) => ({ id: `${(id * 100 + i).toString(16).padStart(8, "0")}`, name })) } : {}),
    };
  }

  // ---------------------------------------------------------------- people's actions (queue webhooks)

  /** A person (or, with APP_BOT, the app) puts content on the board; returns the card's node id. */
  addCard(board: FakeBoard, contentNodeId: string, as: UserSpec, contentType: Item["contentType"] = "Issue"): string {
    const existing = board.items.find((i) => i.contentNodeId === contentNodeId);
    if (existing) return existing.id;
    const databaseId = 5_000_000 + this.#next++;
    const item: Item = { id: `PVTI_${databaseId}`, databaseId, contentNodeId, contentType, values: new Map() };
    board.items.push(item);
    this.queueItem("created", board, item, as);
    return item.id;
  }

  /** A person drags the card to the Status option `option`. */
  moveCard(board: FakeBoard, contentNodeId: string, option: string, as: UserSpec): void {
    const item = this.itemOf(board, contentNodeId);
    const field = board.fields.find((f) => f.name === "Status")!;
    const to = field.options!.find((o) => o.name === option);
    if (!to) throw new Error(`FakeProjects: no option ${option}`);
    this.setValue(board, item, field, to.id, as);
  }

  /** A person deletes the card from the board. */
  deleteCard(board: FakeBoard, contentNodeId: string, as: UserSpec): void {
    const item = this.itemOf(board, contentNodeId);
    board.items.splice(board.items.indexOf(item), 1);
    this.queueItem("deleted", board, item, as);
  }

  // ---------------------------------------------------------------- assertions

  /** The card of this content: each field's shown value (option name, text, number) by field name. */
  card(board: FakeBoard, contentNodeId: string): Record<string, string | number> | undefined {
    const item = board.items.find((i) => i.contentNodeId === contentNodeId);
    if (!item) return undefined;
    const shown: Record<string, string | number> = {};
    for (const [fieldId, value] of item.values) {
      const field = board.fields.find((f) => f.id === fieldId)!;
      shown[field.name] = field.options ? field.options.find((o) => o.id === value)!.name : value;
    }
    return shown;
  }

  itemOf(board: FakeBoard, contentNodeId: string): Item {
    const item = board.items.find((i) => i.contentNodeId === contentNodeId);
    if (!item) throw new Error(`FakeProjects: no card for ${contentNodeId}`);
    return item;
  }

  // ---------------------------------------------------------------- GraphQL

  /** The answer to a Projects v2 document, or undefined when it is about something else. */
  answer(kind: "query" | "mutation", field: string, query: string, variables: Json): RouteResponse | undefined {
    if (kind === "query" && field === "organization") return this.readBoard(variables);
    if (kind === "query" && field === "node" && /ProjectV2/.test(query)) return this.readItems(variables);
    if (kind === "mutation" && field === "addProjectV2ItemById") return this.add(variables);
    if (kind === "mutation" && /updateProjectV2ItemFieldValue/.test(query)) return this.update(query, variables);
    return undefined;
  }

  private readBoard(variables: Json): RouteResponse {
    const org = String(variables.org ?? "");
    const number = Number(variables.number);
    const ofOrg = this.boards.filter((b) => b.org.toLowerCase() === org.toLowerCase());
    if (ofOrg.length === 0) {
      return read({ organization: null }, [
        { type: "NOT_FOUND", path: ["organization"], message: `Could not resolve to an Organization with the login of '${org}'.` },
      ]);
    }
    const board = ofOrg.find((b) => b.number === number);
    if (board?.access === "forbidden") {
      return read({ organization: { projectV2: null } }, [
        { type: "FORBIDDEN", path: ["organization", "projectV2"], message: "Resource not accessible by integration" },
      ]);
    }
    if (!board) {
      return read({ organization: { projectV2: null } }, [
        { type: "NOT_FOUND", path: ["organization", "projectV2"], message: `Could not resolve to a ProjectV2 with the number ${number}.` },
      ]);
    }
    return read({
      organization: {
        projectV2: {
          id: board.nodeId,
          title: board.title,
          fields: { nodes: board.fields.map((f) => ({ id: f.id, name: f.name, dataType: f.dataType, ...(f.options ? { options: f.options } : {}) })) },
        },
      },
    });
  }

  private readItems(variables: Json): RouteResponse {
    const board = this.boards.find((b) => b.nodeId === variables.id);
    if (!board)
      return read({ node: null }, [
        { type: "NOT_FOUND", path: ["node"], message: `Could not resolve to a node with the global id of '${String(variables.id)}'` },
      ]);
    const start = typeof variables.after === "string" ? Number(Buffer.from(variables.after, "base64").toString()) : 0;
    const page = board.items.slice(start, start + 100);
    const end = start + page.length;
    return read({
      node: {
        items: {
          pageInfo: { hasNextPage: end < board.items.length, endCursor: page.length ? Buffer.from(String(end)).toString("base64") : null },
          nodes: page.map((item) => ({
            id: item.id,
            content: { id: item.contentNodeId },
            fieldValues: {
              nodes: [...item.values].map(([fieldId, value]) => {
                const field = board.fields.find((f) => f.id === fieldId)!;
                const ref = { name: field.name };
                if (field.options) return { name: field.options.find((o) => o.id === value)!.name, field: ref };
                return typeof value === "number" ? { number: value, field: ref } : { text: value, field: ref };
              }),
            },
          })),
        },
      },
    });
  }

  private add(variables: Json): RouteResponse {
    const board = this.boards.find((b) => b.nodeId === variables.projectId);
    if (!board || board.access === "forbidden")
      return fail("addProjectV2ItemById", "NOT_FOUND", `Could not resolve to a node with the global id of '${String(variables.projectId)}'`);
    const existing = board.items.find((i) => i.contentNodeId === variables.contentId);
    const id = existing?.id ?? this.addCard(board, String(variables.contentId), APP_BOT);
    this.writes.push({ op: "add", board: board.nodeId, contentNodeId: String(variables.contentId), redundant: Boolean(existing) });
    return { status: 200, kind: "write", redundant: Boolean(existing), body: { data: { addProjectV2ItemById: { item: { id } } } } };
  }

  private update(query: string, variables: Json): RouteResponse {
    const data: Json = {};
    let changed = false;
    for (const m of query.matchAll(/(\w+)\s*:\s*updateProjectV2ItemFieldValue\s*\(\s*input\s*:\s*\$(\w+)\s*\)/g)) {
      const input = (variables[m[2]!] ?? {}) as { projectId?: string; itemId?: string; fieldId?: string; value?: Json };
      const board = this.boards.find((b) => b.nodeId === input.projectId);
      const item = board?.items.find((i) => i.id === input.itemId);
      const field = board?.fields.find((f) => f.id === input.fieldId);
      if (!board || !item || !field) {
        return fail(m[1]!, "NOT_FOUND", `Could not resolve to a node with the global id of '${String(input.itemId)}'`);
      }
      const v = input.value ?? {};
      const value = (v.singleSelectOptionId ?? v.text ?? v.number) as string | number | undefined;
      if (value === undefined || (field.options && !field.options.some((o) => o.id === value))) {
        return fail(m[1]!, "UNPROCESSABLE", "The single select option Id does not belong to the field");
      }
      const redundant = item.values.get(field.id) === value;
      this.writes.push({
        op: "update",
        board: board.nodeId,
        contentNodeId: item.contentNodeId,
        field: field.name,
        value: field.options ? field.options.find((o) => o.id === value)!.name : value,
        redundant,
      });
      if (!redundant) {
        changed = true;
        this.setValue(board, item, field, value, APP_BOT);
      }
      data[m[1]!] = { projectV2Item: { id: item.id } };
    }
    return { status: 200, kind: "write", redundant: !changed, body: { data } };
  }

  private setValue(board: FakeBoard, item: Item, field: Field, value: string | number, as: UserSpec): void {
    const before = item.values.get(field.id);
    item.values.set(field.id, value);
    const option = (id: string | number | undefined) => {
      const o = field.options?.find((x) => x.id === id);
      return o ? { id: o.id, name: o.name, color: "GRAY", description: "" } : null;
    };
    this.queueItem("edited", board, item, as, {
      field_value: {
        field_node_id: field.id,
        field_type: field.dataType.toLowerCase(),
        field_name: field.name,
        project_number: board.number,
        from: field.options ? option(before) : (before ?? null),
        to: field.options ? option(value) : value,
      },
    });
  }

  private queueItem(action: string, board: FakeBoard, item: Item, as: UserSpec, changes?: Json): void {
    const at = this.hub.now();
    this.hub.queue(
      "projects_v2_item",
      {
        action,
        projects_v2_item: {
          id: item.databaseId,
          node_id: item.id,
          project_node_id: board.nodeId,
          content_node_id: item.contentNodeId,
          content_type: item.contentType,
          creator: userObject(as),
          created_at: at,
          updated_at: at,
          archived_at: null,
        },
        ...(changes ? { changes } : {}),
        organization: {
          login: board.org,
          id: 38302899,
          node_id: "MDEyOk9yZ2FuaXphdGlvbjM4MzAyODk5",
          url: `https://api.github.com/orgs/${board.org}`,
          description: "",
        },
        sender: userObject(as),
        installation: { id: this.hub.installationId, node_id: installationNodeId(this.hub.installationId) },
      },
      as,
    );
  }
}

function read(data: Json, errors?: Json[]): RouteResponse {
  return { status: 200, kind: "read", body: errors ? { data, errors } : { data } };
}

function fail(key: string, type: string, message: string): RouteResponse {
  return {
    status: 200,
    kind: "write",
    redundant: true,
    body: { data: { [key]: null }, errors: [{ type, path: [key], locations: [{ line: 1, column: 1 }], message }] },
  };
}
