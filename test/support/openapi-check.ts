/**
 * Keeps the fake GitHub honest: every request the app sends to a mock is checked against GitHub's
 * OpenAPI description (the extract in test/fixtures/github-openapi.json, made by
 * scripts/extract-openapi.ts). A mock answers whatever it is told to; this says whether GitHub
 * would have understood the request at all: an existing operation for the method and path, path
 * parameters of the right type, and a JSON body that fits the operation's request-body schema.
 */
import { readFileSync } from "node:fs";

/** The subset of OpenAPI 3.0 schema keywords that the extract keeps and this file checks. */
export interface SpecSchema {
  type?: string | string[];
  nullable?: boolean;
  enum?: unknown[];
  properties?: Record<string, SpecSchema>;
  required?: string[];
  additionalProperties?: boolean | SpecSchema;
  items?: SpecSchema;
  oneOf?: SpecSchema[];
  anyOf?: SpecSchema[];
  allOf?: SpecSchema[];
  not?: SpecSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  format?: string;
  /** Path parameters only: GitHub's `x-multi-segment` (the value may contain `/`). */
  multiSegment?: boolean;
}

export interface SpecOperation {
  method: string;
  path: string;
  operationId: string;
  pathParams: Record<string, SpecSchema>;
  /** `schema` for application/json bodies, `contentTypes` for the rest. */
  requestBody?: { required: boolean; schema?: SpecSchema; contentTypes?: string[] };
  requiredBodyFields: string[];
}

export interface SpecRequest {
  method: string;
  /** As sent: may carry a query string and GitHub Enterprise Server's `/api/v3` prefix. */
  path: string;
  /** The parsed JSON body, `undefined` when none was sent (a non-JSON body stays a string). */
  body: unknown;
}

export interface OperationMatch {
  operation: SpecOperation;
  params: Record<string, string>;
}

const FIXTURE = new URL("../fixtures/github-openapi.json", import.meta.url);
let loaded: SpecOperation[] | undefined;

/** The operations in the fixture (read once per process). */
export function specOperations(): SpecOperation[] {
  loaded ??= (JSON.parse(readFileSync(FIXTURE, "utf8")) as { operations: SpecOperation[] }).operations;
  return loaded;
}

/** The problems GitHub's description finds with one request; empty when it is fine. */
export function checkRequestAgainstSpec(request: SpecRequest, operations: SpecOperation[] = specOperations()): string[] {
  const method = request.method.toUpperCase();
  const path = normalizePath(request.path);
  const label = `${method} ${request.path}`;
  const found = matchOperation(method, path, operations);
  if ("problem" in found) return [`${label}: ${found.problem}`];
  const { operation } = found;
  const where = `${label} (${operation.operationId})`;
  return [...checkPathParams(found), ...checkBody(operation, request.body)].map((p) => `${where}: ${p}`);
}

/** Strip the query string, the fragment and GitHub Enterprise Server's prefixes. */
export function normalizePath(raw: string): string {
  let path = raw.replace(/[?#].*$/, "");
  if (path === "/api/graphql") return "/graphql"; // GHES serves GraphQL beside, not under, /api/v3
  if (path === "/api/v3" || path.startsWith("/api/v3/")) path = path.slice("/api/v3".length) || "/";
  return path;
}

/**
 * The operation for a method and (normalized) path. When several templates match, the one whose
 * segments are the most literal, compared from the left, wins: /repos/o/r/issues/comments/1 is
 * /repos/{owner}/{repo}/issues/comments/{comment_id}, not /repos/{owner}/{repo}/issues/{issue_number}/comments,
 * and /repos/o/r/commits/abc/check-runs is /commits/{ref}/check-runs, not a multi-segment /commits/{ref}.
 */
export function matchOperation(method: string, path: string, operations: SpecOperation[] = specOperations()): OperationMatch | { problem: string } {
  const segments = splitPath(path);
  let best: { match: OperationMatch; score: number[] } | undefined;
  const otherMethods = new Set<string>();
  for (const operation of operations) {
    const attempt = matchTemplate(splitPath(operation.path), segments, operation.pathParams);
    if (!attempt) continue;
    if (operation.method !== method.toUpperCase()) {
      otherMethods.add(operation.method);
      continue;
    }
    if (!best || compareScores(attempt.score, best.score) > 0) {
      best = { match: { operation, params: attempt.params }, score: attempt.score };
    }
  }
  if (best) return best.match;
  if (otherMethods.size > 0) {
    return { problem: `GitHub has no ${method.toUpperCase()} on this path (it has ${[...otherMethods].sort().join(", ")})` };
  }
  return {
    problem:
      "no operation in GitHub's description matches this path " +
      "(if it is a real endpoint, add its path to KEPT_PATHS in scripts/extract-openapi.ts and re-extract)",
  };
}

// How specific the template part that consumed a request segment is: higher wins.
const LITERAL = 3;
const MIXED = 2; // e.g. {base}...{head}
const PARAM = 1;
const MULTI_SEGMENT_PARAM = 0;

interface TemplateMatch {
  params: Record<string, string>;
  /** One entry per request segment. */
  score: number[];
}

function matchTemplate(template: string[], segments: string[], paramSchemas: Record<string, SpecSchema>): TemplateMatch | undefined {
  const walk = (t: number, s: number): TemplateMatch | undefined => {
    if (t === template.length) return s === segments.length ? { params: {}, score: [] } : undefined;
    if (s === segments.length) return undefined;
    const part = template[t]!;
    const segment = segments[s]!;
    if (segment === "") return undefined; // "//" or a trailing "/": no template segment is empty
    const whole = /^\{([^}]+)\}$/.exec(part);
    if (whole) {
      const name = whole[1]!;
      if (paramSchemas[name]?.multiSegment) {
        // Longest first only for determinism; scoring decides between templates, and within one
        // template the first split found is as good as any other.
        for (let end = segments.length; end > s; end--) {
          const rest = walk(t + 1, end);
          if (!rest) continue;
          const span = end - s;
          return {
            params: { ...rest.params, [name]: segments.slice(s, end).join("/") },
            score: [span === 1 ? PARAM : MULTI_SEGMENT_PARAM, ...Array<number>(span - 1).fill(MULTI_SEGMENT_PARAM), ...rest.score],
          };
        }
        return undefined;
      }
      const rest = walk(t + 1, s + 1);
      return rest && { params: { ...rest.params, [name]: segment }, score: [PARAM, ...rest.score] };
    }
    if (part.includes("{")) {
      const names: string[] = [];
      const source = part
        .split(/(\{[^}]+\})/)
        .map((piece) => {
          const param = /^\{([^}]+)\}$/.exec(piece);
          if (!param) return escapeRegExp(piece);
          names.push(param[1]!);
          return "(.+?)";
        })
        .join("");
      const m = new RegExp(`^${source}$`).exec(segment);
      const rest = m && walk(t + 1, s + 1);
      if (!m || !rest) return undefined;
      const params = { ...rest.params };
      for (const [i, name] of names.entries()) params[name] = m[i + 1]!;
      return { params, score: [MIXED, ...rest.score] };
    }
    if (part !== segment) return undefined;
    const rest = walk(t + 1, s + 1);
    return rest && { params: rest.params, score: [LITERAL, ...rest.score] };
  };
  return walk(0, 0);
}

function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return 0;
}

function splitPath(path: string): string[] {
  // "/" -> [], "/a/b" -> ["a", "b"]; an empty segment ("//", a trailing "/") is kept and matches nothing.
  return path === "/" ? [] : path.replace(/^\//, "").split("/");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function checkPathParams({ operation, params }: OperationMatch): string[] {
  const problems: string[] = [];
  for (const [name, raw] of Object.entries(params)) {
    const schema = operation.pathParams[name];
    if (!schema) continue;
    let value: string;
    try {
      value = decodeURIComponent(raw);
    } catch {
      problems.push(`path parameter {${name}} is not valid percent-encoding: ${JSON.stringify(raw)}`);
      continue;
    }
    if (value === "") {
      problems.push(`path parameter {${name}} is empty`);
      continue;
    }
    // A path segment is text: "42" stands for the integer 42 as well as for the string "42".
    const asString = validateAgainstSchema(value, schema, `path parameter {${name}}`);
    const asNumber = /^-?\d+(\.\d+)?$/.test(value) ? validateAgainstSchema(Number(value), schema, `path parameter {${name}}`) : undefined;
    if (asString.length > 0 && (asNumber === undefined || asNumber.length > 0)) problems.push(...asString);
  }
  return problems;
}

function checkBody(operation: SpecOperation, body: unknown): string[] {
  const spec = operation.requestBody;
  if (body === undefined) return spec?.required ? ["the operation requires a request body; none was sent"] : [];
  if (!spec) return [`the operation takes no request body, but one was sent: ${preview(body)}`];
  if (!spec.schema) return []; // not JSON (e.g. release assets): nothing to validate it against
  return validateAgainstSchema(body, spec.schema, "body");
}

/**
 * Validate a JSON value against a request-body schema from GitHub's description (OpenAPI 3.0:
 * `nullable` instead of a "null" type). Returns one line per problem, each naming where it is.
 *
 * `oneOf` is read as `anyOf`: GitHub writes alternatives that overlap (PUT .../labels accepts
 * `{labels: [...]}` under two object schemas that both accept `{}`), and a request that fits
 * several of them is one GitHub takes, so "fits at least one" is the honest check.
 */
export function validateAgainstSchema(value: unknown, schema: SpecSchema, at = "body"): string[] {
  if (value === null && schema.nullable) return [];
  const problems: string[] = [];
  const actual = jsonType(value);
  const types = schema.type === undefined ? undefined : [schema.type].flat();
  if (types && !types.some((t) => typeMatches(t, actual))) {
    return [`${at}: expected ${types.join(" or ")}${schema.nullable ? " or null" : ""}, got ${actual === "null" ? "null" : `${actual} ${preview(value)}`}`];
  }
  if (schema.enum && !schema.enum.some((allowed) => sameJson(allowed, value))) {
    problems.push(`${at}: ${preview(value)} is not one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`);
  }
  if (typeof value === "string") problems.push(...checkString(value, schema, at));
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${at}: ${value} is below the minimum ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${at}: ${value} is above the maximum ${schema.maximum}`);
  }
  if (Array.isArray(value)) problems.push(...checkArray(value, schema, at));
  if (actual === "object") problems.push(...checkObject(value as Record<string, unknown>, schema, at));
  for (const sub of schema.allOf ?? []) problems.push(...validateAgainstSchema(value, sub, at));
  for (const alternatives of [schema.oneOf, schema.anyOf]) {
    if (!alternatives || alternatives.length === 0) continue;
    const failures = alternatives.map((alt) => validateAgainstSchema(value, alt, at));
    if (failures.every((f) => f.length > 0)) {
      problems.push(
        alternatives.length === 1
          ? failures[0]!.join("; ")
          : `${at}: fits none of the ${alternatives.length} alternatives: ${failures.map((f, i) => `(${i + 1}) ${f.join("; ")}`).join(" ")}`,
      );
    }
  }
  if (schema.not && validateAgainstSchema(value, schema.not, at).length === 0) problems.push(`${at}: matches a schema it must not`);
  return problems;
}

function checkString(value: string, schema: SpecSchema, at: string): string[] {
  const problems: string[] = [];
  const length = [...value].length;
  if (schema.minLength !== undefined && length < schema.minLength) problems.push(`${at}: shorter than ${schema.minLength} characters`);
  if (schema.maxLength !== undefined && length > schema.maxLength) problems.push(`${at}: longer than ${schema.maxLength} characters (${length})`);
  if (schema.pattern !== undefined && !patternMatches(schema.pattern, value)) problems.push(`${at}: ${preview(value)} does not match /${schema.pattern}/`);
  // RFC 3339, as GitHub documents for timestamps ("YYYY-MM-DDTHH:MM:SSZ").
  if (schema.format === "date-time" && !/^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(value)) {
    problems.push(`${at}: ${preview(value)} is not an ISO 8601 date-time`);
  }
  return problems;
}

function checkArray(value: unknown[], schema: SpecSchema, at: string): string[] {
  const problems: string[] = [];
  if (schema.minItems !== undefined && value.length < schema.minItems) problems.push(`${at}: has ${value.length} items, at least ${schema.minItems} required`);
  if (schema.maxItems !== undefined && value.length > schema.maxItems) problems.push(`${at}: has ${value.length} items, at most ${schema.maxItems} allowed`);
  if (schema.items) for (const [i, item] of value.entries()) problems.push(...validateAgainstSchema(item, schema.items, `${at}[${i}]`));
  return problems;
}

function checkObject(value: Record<string, unknown>, schema: SpecSchema, at: string): string[] {
  const problems: string[] = [];
  for (const name of schema.required ?? []) {
    if (!(name in value)) problems.push(`${at}: missing required property "${name}"`);
  }
  const known = schema.properties ?? {};
  for (const [name, sub] of Object.entries(value)) {
    const propertySchema = Object.hasOwn(known, name) ? known[name] : undefined;
    if (propertySchema) problems.push(...validateAgainstSchema(sub, propertySchema, `${at}.${name}`));
    else if (schema.additionalProperties === false) problems.push(`${at}: unknown property "${name}" (allowed: ${Object.keys(known).join(", ") || "none"})`);
    else if (typeof schema.additionalProperties === "object") problems.push(...validateAgainstSchema(sub, schema.additionalProperties, `${at}.${name}`));
  }
  return problems;
}

type JsonType = "null" | "array" | "integer" | "number" | "string" | "boolean" | "object" | "not JSON";

function jsonType(value: unknown): JsonType {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  switch (typeof value) {
    case "number":
      return Number.isInteger(value) ? "integer" : "number";
    case "string":
      return "string";
    case "boolean":
      return "boolean";
    case "object":
      return "object";
    default:
      return "not JSON"; // undefined, functions, symbols, bigints
  }
}

function typeMatches(expected: string, actual: JsonType): boolean {
  return expected === actual || (expected === "number" && actual === "integer");
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function patternMatches(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern, "u").test(value);
  } catch {
    return true; // a pattern JavaScript cannot compile is not the request's fault
  }
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
