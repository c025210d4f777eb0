/**
 * README: test/fixtures/github-openapi.json was produced with @octokit/openapi 23.0.2, installed
 * outside the project (the package is ~400 MB):
 *   mkdir -p /tmp/oa && cd /tmp/oa && npm init -y && npm install @octokit/openapi@23.0.2
 *   npx tsx scripts/extract-openapi.ts /tmp/oa/node_modules/@octokit/openapi/generated/api.github.com.json
 *
 * It keeps, for the REST operations a GitHub App like Codewalkers calls, what the tests check a
 * request against (test/support/openapi-check.ts): method, path template, operationId, path
 * parameter schemas, and the application/json request-body schema with every $ref inlined and
 * every keyword the checker does not read (descriptions, examples, defaults, ...) dropped.
 * Whole path subtrees are kept, never single operations out of one: a request to a sibling left
 * out could otherwise be matched by a multi-segment parameter (`/branches/{branch}`) of one kept.
 */
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Path templates kept: every operation on a path matching one of these. */
const KEPT_PATHS: RegExp[] = [
  /^\/app$/,
  /^\/app\/hook\/deliveries(\/|$)/,
  /^\/app\/installations(\/|$)/,
  /^\/installation\//,
  /^\/(orgs\/\{org\}|users\/\{username\}|repos\/\{owner\}\/\{repo\})\/installation$/,
  /^\/repos\/\{owner\}\/\{repo\}$/,
  /^\/repos\/\{owner\}\/\{repo\}\/(issues|labels|milestones|assignees|pulls)(\/|$)/,
  /^\/repos\/\{owner\}\/\{repo\}\/(collaborators|contents|branches|merges|compare|commits|statuses)(\/|$)/,
  /^\/repos\/\{owner\}\/\{repo\}\/(git|check-runs|check-suites)(\/|$)/,
  /^\/search\/issues$/,
  /^\/rate_limit$/,
];

/** Schema keywords test/support/openapi-check.ts validates; everything else is dropped. */
const KEPT_KEYWORDS = new Set([
  "type",
  "nullable",
  "enum",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "oneOf",
  "anyOf",
  "allOf",
  "not",
  "minItems",
  "maxItems",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "pattern",
  "format",
]);
/** Keywords dropped knowingly (documentation only); any other unknown keyword is reported. */
const ANNOTATIONS = new Set([
  "description",
  "example",
  "examples",
  "title",
  "default",
  "deprecated",
  "deprecationDate",
  "readOnly",
  "writeOnly",
  "externalDocs",
]);
/** Only this format is checked; others (uri, email, ...) would be dropped as unchecked. */
const CHECKED_FORMATS = new Set(["date-time"]);

/**
 * POST /graphql is not in the REST description. Octokit's graphql client sends
 * { query, variables?, operationName? }; a variable put at the top level is silently ignored by
 * GitHub, hence additionalProperties: false.
 */
const GRAPHQL_OPERATION = {
  method: "POST",
  path: "/graphql",
  operationId: "graphql",
  note: "not in the REST description: the GraphQL-over-HTTP request body",
  pathParams: {},
  requestBody: {
    required: true,
    schema: {
      type: "object",
      properties: {
        query: { type: "string", minLength: 1 },
        variables: { type: "object", nullable: true },
        operationName: { type: "string", nullable: true },
      },
      required: ["query"],
      additionalProperties: false,
    },
  },
  requiredBodyFields: ["query"],
};

const METHODS = ["get", "post", "put", "patch", "delete"];
const warnings = new Set<string>();

function main(): void {
  const specPath = process.argv[2];
  if (!specPath) {
    console.error("usage: npx tsx scripts/extract-openapi.ts <path to generated/api.github.com.json> [output]");
    process.exit(2);
  }
  const here = dirname(fileURLToPath(import.meta.url));
  const output = resolve(process.argv[3] ?? join(here, "..", "test", "fixtures", "github-openapi.json"));
  const spec = JSON.parse(readFileSync(specPath, "utf8")) as JsonObject;
  const pkgPath = join(dirname(resolve(specPath)), "..", "package.json");
  const pkg = existsSync(pkgPath) ? (JSON.parse(readFileSync(pkgPath, "utf8")) as { name?: string; version?: string }) : {};
  const source = `${pkg.name ?? "@octokit/openapi"} ${pkg.version ?? "(unknown version)"} generated/api.github.com.json`;

  const operations: Json[] = [];
  const paths = spec.paths as Record<string, JsonObject>;
  for (const [path, item] of Object.entries(paths)) {
    if (!KEPT_PATHS.some((re) => re.test(path))) continue;
    for (const method of METHODS) {
      const op = item[method] as JsonObject | undefined;
      if (!op) continue;
      operations.push(extractOperation(spec, method.toUpperCase(), path, item, op));
    }
  }
  operations.push(GRAPHQL_OPERATION as unknown as Json);

  const header = {
    source,
    producedBy: "npx tsx scripts/extract-openapi.ts <api.github.com.json> (see the script's header)",
    operationCount: operations.length,
  };
  // One operation per line: small, and a spec update reads as a diff of the operations it changed.
  const text = `{\n${Object.entries(header)
    .map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},`)
    .join("\n")}\n  "operations": [\n${operations.map((o) => `    ${JSON.stringify(o)}`).join(",\n")}\n  ]\n}\n`;
  writeFileSync(output, text);
  for (const w of warnings) console.error(`warning: ${w}`);
  console.log(`${operations.length} operations from ${source} -> ${output} (${(text.length / 1024).toFixed(1)} KiB)`);
}

function extractOperation(spec: JsonObject, method: string, path: string, item: JsonObject, op: JsonObject): Json {
  const where = `${method} ${path}`;
  const pathParams: JsonObject = {};
  const params = [...((item.parameters as Json[] | undefined) ?? []), ...((op.parameters as Json[] | undefined) ?? [])];
  for (const raw of params) {
    const param = resolveRef(spec, raw) as JsonObject;
    if (param.in !== "path") continue;
    const schema = trimSchema(spec, param.schema ?? {}, [], `${where} {${String(param.name)}}`) as JsonObject;
    if (param["x-multi-segment"] === true) schema.multiSegment = true;
    pathParams[String(param.name)] = schema;
  }
  const result: JsonObject = { method, path, operationId: String(op.operationId), pathParams };
  const body = op.requestBody ? (resolveRef(spec, op.requestBody) as JsonObject) : undefined;
  if (body) {
    const content = (body.content ?? {}) as JsonObject;
    const json = content["application/json"] as JsonObject | undefined;
    if (json) {
      const schema = trimSchema(spec, json.schema ?? {}, [], `${where} body`) as JsonObject;
      result.requestBody = { required: body.required === true, schema };
      result.requiredBodyFields = requiredFields(schema);
    } else {
      // Not JSON (octet-stream, text/plain): the checker only knows a body is expected.
      result.requestBody = { required: body.required === true, contentTypes: Object.keys(content) };
      result.requiredBodyFields = [];
    }
  } else {
    result.requiredBodyFields = [];
  }
  return result;
}

/** Top-level required properties; for a body that is a oneOf/anyOf, those every alternative requires. */
function requiredFields(schema: JsonObject): string[] {
  const own = Array.isArray(schema.required) ? schema.required.map(String) : [];
  const alternatives = (schema.oneOf ?? schema.anyOf) as Json[] | undefined;
  if (!Array.isArray(alternatives) || alternatives.length === 0) return own;
  const each = alternatives.map((alt) => (isObject(alt) && Array.isArray(alt.required) ? alt.required.map(String) : []));
  const common = each.reduce((acc, names) => acc.filter((n) => names.includes(n)));
  return [...new Set([...own, ...common])];
}

function resolveRef(spec: JsonObject, node: Json): Json {
  let current = node;
  for (let depth = 0; isObject(current) && typeof current.$ref === "string"; depth++) {
    if (depth > 20) throw new Error(`$ref chain too deep at ${current.$ref}`);
    current = lookup(spec, current.$ref);
  }
  return current;
}

function lookup(spec: JsonObject, ref: string): Json {
  if (!ref.startsWith("#/")) throw new Error(`external $ref not supported: ${ref}`);
  let node: Json = spec;
  for (const part of ref.slice(2).split("/")) {
    const key = part.replace(/~1/g, "/").replace(/~0/g, "~");
    if (!isObject(node) || !(key in node)) throw new Error(`unresolvable $ref ${ref}`);
    node = node[key]!;
  }
  return node;
}

/** Inline $refs and keep only the keywords the checker reads. `seen` guards against cycles. */
function trimSchema(spec: JsonObject, node: Json, seen: string[], where: string): Json {
  if (!isObject(node)) return node;
  if (typeof node.$ref === "string") {
    if (seen.includes(node.$ref)) {
      warnings.add(`${where}: recursive ${node.$ref} left unchecked below this point`);
      return {};
    }
    return trimSchema(spec, lookup(spec, node.$ref), [...seen, node.$ref], where);
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (!KEPT_KEYWORDS.has(key)) {
      if (!ANNOTATIONS.has(key) && !key.startsWith("x-")) warnings.add(`${where}: dropped unknown keyword "${key}"`);
      continue;
    }
    switch (key) {
      case "properties": {
        const props: JsonObject = {};
        for (const [name, sub] of Object.entries(value as JsonObject)) props[name] = trimSchema(spec, sub, seen, where);
        out.properties = props;
        break;
      }
      case "items":
      case "not":
        out[key] = trimSchema(spec, value, seen, where);
        break;
      case "additionalProperties":
        out[key] = typeof value === "boolean" ? value : trimSchema(spec, value, seen, where);
        break;
      case "oneOf":
      case "anyOf":
      case "allOf":
        out[key] = (value as Json[]).map((sub) => trimSchema(spec, sub, seen, where));
        break;
      case "format":
        if (typeof value === "string" && CHECKED_FORMATS.has(value)) out.format = value;
        break;
      default:
        out[key] = value;
    }
  }
  return out;
}

function isObject(node: Json | undefined): node is JsonObject {
  return typeof node === "object" && node !== null && !Array.isArray(node);
}

main();
