/**
 * Matches a request path against route templates written as GitHub's REST docs write them
 * ("/repos/{owner}/{repo}/issues/{issue_number}"). A parameter is one path segment, except
 * `{path}` (file paths in /contents/), which takes the rest of the path. Numeric parameters
 * (`*_number`, `*_id`) match digits only, so /issues/comments/1 never reads as issue "comments".
 */

export interface CompiledTemplate {
  template: string;
  regexp: RegExp;
  names: string[];
}

export function compileTemplate(template: string): CompiledTemplate {
  const names: string[] = [];
  const source = template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    names.push(name);
    if (name === "path") return "(.+)";
    if (/(_number|_id|^installation_id)$/.test(name)) return "(\\d+)";
    return "([^/]+)";
  });
  return { template, regexp: new RegExp(`^${source}$`), names };
}

/** The decoded parameters when `path` (without its query string) fits the template. */
export function matchTemplate(compiled: CompiledTemplate, path: string): Record<string, string> | undefined {
  const m = compiled.regexp.exec(path);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  compiled.names.forEach((name, i) => {
    params[name] = decodeURIComponent(m[i + 1]!);
  });
  return params;
}

/** Splits "/a/b?x=1&y=2" into the path and its (decoded) query parameters. */
export function splitUrl(url: string): { path: string; query: Record<string, string> } {
  const [path = "/", search = ""] = url.split("?", 2);
  return { path, query: Object.fromEntries(new URLSearchParams(search)) };
}
