/**
 * How an installation token reaches git: per command, as an HTTP header in `-c` settings that
 * `run-git.ts` hands git in its environment (never on its command line, which any user can read).
 * It is never written to a remote URL, to git config or to disk (DESIGN §3 "Git"). Remotes that
 * are not http(s) — a local path, file:// — are used as they are and need no token.
 */

export function isHttpRemote(remoteUrl: string): boolean {
  return /^https?:\/\//i.test(remoteUrl);
}

/** The `Authorization` header value git sends: Basic with the user `x-access-token`. */
export function basicAuthorization(token: string): string {
  return `Basic ${Buffer.from(`x-access-token:${token}`, "utf8").toString("base64")}`;
}

/**
 * The `-c` arguments (placed before the git subcommand) that authenticate one command to the
 * remote. Empty for non-http remotes or without a token. `credential.helper=` switches off any
 * helper configured on the host, so a rejected token fails instead of falling back to other
 * stored credentials or prompting.
 */
export function gitAuthArgs(remoteUrl: string, token?: string): string[] {
  if (!token || !isHttpRemote(remoteUrl)) return [];
  return ["-c", "credential.helper=", "-c", `http.extraHeader=Authorization: ${basicAuthorization(token)}`];
}

/** Every form in which a token could show up in git's output or in our own messages. */
export function tokenSecrets(token: string | undefined): string[] {
  if (!token) return [];
  return [token, basicAuthorization(token).slice("Basic ".length)];
}
