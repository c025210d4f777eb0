/** Errors GitHub answers with, and who counts as the app (shared by the repository and its pull requests). */
import { APP_BOT, errorBody } from "./objects.js";
import type { UserSpec } from "./types.js";

type Json = Record<string, unknown>;

/** An error GitHub answers with; routes turn it into the response, people's actions let it throw. */
export class GitHubError extends Error {
  constructor(
    readonly status: number,
    readonly body: Json,
  ) {
    super(`${status} ${String(body.message)}`);
  }
}

export const notFound = (): GitHubError => new GitHubError(404, errorBody("Not Found"));

export function validationFailed(message: string, errors: Json[] = []): GitHubError {
  return new GitHubError(422, errorBody(message, { errors, status: "422" }));
}

export function isBot(user: UserSpec): boolean {
  return user.type === "Bot" && user.login.toLowerCase() === APP_BOT.login;
}
