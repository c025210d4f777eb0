/**
 * Branch names arrive from issue titles via `core/branch-names` and end up in git argv and ref
 * paths: anything git would reject, or that could read as an option, is refused up front.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what git refuses in a ref name.
const FORBIDDEN = /[\x00-\x20\x7f~^:?*[\\]|\.\.|\/\/|@\{|^[-/.]|\/\.|[/.]$|\.lock$|\.lock\/|^@$/;

export function assertBranchName(name: string): void {
  if (name.length === 0 || FORBIDDEN.test(name)) throw new Error(`invalid branch name: ${JSON.stringify(name)}`);
}
