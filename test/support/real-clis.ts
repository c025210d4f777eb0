/**
 * Where the pinned agent CLIs (devDependencies `@anthropic-ai/claude-code`, `@openai/codex`) keep
 * their native binaries, for tests that run them for real.
 *
 * `claude`: the package's `bin/claude.exe` is a placeholder that its postinstall (`install.cjs`)
 * replaces with the binary of the platform package (`@anthropic-ai/claude-code-linux-x64`, …). npm
 * 11 still runs that script but warns that it is not covered by `allowScripts`; an install that
 * skips scripts (`--ignore-scripts`, a later npm) leaves the placeholder. The platform package's
 * binary is there either way, so the tests run that one.
 *
 * `codex`: `bin/codex.js` (Node) finds the platform package's binary itself and execs it; it needs
 * no install script.
 */
import { accessSync, constants } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

function isMusl(): boolean {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return process.platform === "linux" && !report?.header?.glibcVersionRuntime;
}

function packageDir(name: string): string | undefined {
  try {
    return path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The native `claude` binary of this platform. */
export function claudeBinary(): string {
  const platform = `${process.platform}-${process.arch}${isMusl() ? "-musl" : ""}`;
  const fromPlatform = packageDir(`@anthropic-ai/claude-code-${platform}`);
  const candidates = [
    ...(fromPlatform ? [path.join(fromPlatform, process.platform === "win32" ? "claude.exe" : "claude")] : []),
    // The postinstall copied (or linked) it here.
    ...(packageDir("@anthropic-ai/claude-code") ? [path.join(packageDir("@anthropic-ai/claude-code")!, "bin", "claude.exe")] : []),
  ];
  const found = candidates.find(executable);
  if (!found) throw new Error(`no claude binary for ${platform}: run npm ci (tried ${candidates.join(", ")})`);
  return found;
}

/** `codex` as npm installs it: the Node launcher that execs the platform's binary. */
export function codexBinary(): string {
  const dir = packageDir("@openai/codex");
  const file = dir ? path.join(dir, "bin", "codex.js") : "";
  if (!dir || !executable(file)) throw new Error("@openai/codex is not installed: run npm ci");
  return file;
}

/** The pinned versions, as package.json names them. */
export function pinnedVersion(name: "@anthropic-ai/claude-code" | "@openai/codex"): string {
  return (require("../../package.json") as { devDependencies: Record<string, string> }).devDependencies[name]!;
}
