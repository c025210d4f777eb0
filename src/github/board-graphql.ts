/**
 * The Projects v2 GraphQL the app sends. GraphQL rather than the REST projectsV2 endpoints:
 * the `projects_v2_item` webhook names projects, fields, options and issues by node id, which is
 * what GraphQL takes; one query reads a project with its fields and options; several field
 * updates of one card go in one request (aliased mutations); and `organization.projectV2`
 * answers a missing project as null with NOT_FOUND, where an installation token's blind spots
 * (user projects, a missing permission) come back as errors the app can report.
 */
import type { BoardField, BoardShape, FieldValue } from "../core/board.js";
import type { AppOctokit } from "./octokit.js";

/** A GraphQL answer with `errors` (Octokit throws it); `type` is GitHub's: NOT_FOUND, FORBIDDEN… */
export interface GraphQLErrorShape {
  errors?: { type?: string; message?: string }[];
}

export function graphQLErrors(error: unknown): { type: string; message: string }[] | undefined {
  const errors = (error as GraphQLErrorShape | null)?.errors;
  if (!Array.isArray(errors)) return undefined;
  return errors.map((e) => ({ type: String(e.type ?? ""), message: String(e.message ?? "") }));
}

const FIELD_SELECTION = `
  ... on ProjectV2FieldCommon { id name dataType }
  ... on ProjectV2SingleSelectField { options { id name } }`;

export async function readBoardShape(octokit: AppOctokit, org: string, number: number): Promise<BoardShape | null> {
  const data = await octokit.graphql<{
    organization: { projectV2: { id: string; title: string; fields: { nodes: (BoardField | null)[] } } | null } | null;
  }>(
    `query Board($org: String!, $number: Int!) {
      organization(login: $org) { projectV2(number: $number) { id title fields(first: 100) { nodes { ${FIELD_SELECTION} } } } }
    }`,
    { org, number },
  );
  const project = data.organization?.projectV2;
  if (!project) return null;
  const fields = project.fields.nodes.filter((f): f is BoardField => f !== null && typeof f.id === "string");
  return {
    projectId: project.id,
    title: project.title,
    fields: fields.map((f) => ({ id: f.id, name: f.name, dataType: f.dataType, ...(f.options ? { options: f.options } : {}) })),
  };
}

/** One card as a page of items lists it: its issue's node id and what its kept fields show. */
export interface BoardCard {
  itemId: string;
  contentNodeId: string | null;
  shown: Record<string, string | number>;
}

interface ItemNode {
  id: string;
  content: { id?: string } | null;
  fieldValues: { nodes: ({ name?: string; text?: string; number?: number; field?: { name?: string } } | null)[] };
}

/** Every card of the board, 100 a page. */
export async function readBoardCards(octokit: AppOctokit, projectId: string): Promise<BoardCard[]> {
  const cards: BoardCard[] = [];
  let after: string | null = null;
  for (;;) {
    const data: { node: { items: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: ItemNode[] } } | null } = await octokit.graphql(
      `query BoardItems($id: ID!, $after: String) {
          node(id: $id) { ... on ProjectV2 { items(first: 100, after: $after) {
            pageInfo { hasNextPage endCursor }
            nodes { id content { ... on Issue { id } ... on PullRequest { id } ... on DraftIssue { id } }
              fieldValues(first: 30) { nodes {
                ... on ProjectV2ItemFieldSingleSelectValue { name field { ... on ProjectV2FieldCommon { name } } }
                ... on ProjectV2ItemFieldTextValue { text field { ... on ProjectV2FieldCommon { name } } }
                ... on ProjectV2ItemFieldNumberValue { number field { ... on ProjectV2FieldCommon { name } } } } } }
          } } }
        }`,
      { id: projectId, after },
    );
    const items = data.node?.items;
    if (!items) return cards;
    for (const node of items.nodes) cards.push({ itemId: node.id, contentNodeId: node.content?.id ?? null, shown: shownOf(node) });
    if (!items.pageInfo.hasNextPage || !items.pageInfo.endCursor) return cards;
    after = items.pageInfo.endCursor;
  }
}

function shownOf(node: ItemNode): Record<string, string | number> {
  const shown: Record<string, string | number> = {};
  for (const v of node.fieldValues.nodes) {
    const name = v?.field?.name;
    if (!v || !name) continue;
    const value = v.name ?? v.text ?? v.number;
    if (value !== undefined) shown[canonicalField(name)] = value;
  }
  return shown;
}

/** The app keys what a card shows by its own field names (Status, Phase…), whatever their case on the board. */
export function canonicalField(name: string): string {
  const known = ["Status", "Phase", "Priority", "Agent", "Attempts"];
  return known.find((k) => k.toLowerCase() === name.trim().toLowerCase()) ?? name;
}

/** Adds the issue to the project (GitHub answers with the existing card when it is there already). */
export async function addCard(octokit: AppOctokit, projectId: string, contentId: string): Promise<string> {
  const data = await octokit.graphql<{ addProjectV2ItemById: { item: { id: string } } }>(
    `mutation AddCard($projectId: ID!, $contentId: ID!) { addProjectV2ItemById(input: { projectId: $projectId, contentId: $contentId }) { item { id } } }`,
    { projectId, contentId },
  );
  return data.addProjectV2ItemById.item.id;
}

/** Sets several fields of one card in one request: one aliased mutation per field. */
export async function setCardFields(
  octokit: AppOctokit,
  projectId: string,
  itemId: string,
  writes: readonly { fieldId: string; value: FieldValue }[],
): Promise<void> {
  if (writes.length === 0) return;
  const variables: Record<string, unknown> = {};
  const declarations: string[] = [];
  const fields: string[] = [];
  writes.forEach((w, i) => {
    variables[`f${i}`] = { projectId, itemId, fieldId: w.fieldId, value: w.value };
    declarations.push(`$f${i}: UpdateProjectV2ItemFieldValueInput!`);
    fields.push(`f${i}: updateProjectV2ItemFieldValue(input: $f${i}) { projectV2Item { id } }`);
  });
  await octokit.graphql(`mutation SetCard(${declarations.join(", ")}) { ${fields.join(" ")} }`, variables);
}
