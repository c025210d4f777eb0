/** The stateful fake GitHub: see fake-github.ts. */
export { FakeGitHub, RepositoryActions, type DeliveryResult } from "./fake-github.js";
export { ACTIONS_BOT, APP_BOT, APP_SLUG } from "./objects.js";
export { GitHubError } from "./errors.js";
export { nodeIdOf, type MergeInput, type PullInput } from "./pull-requests.js";
export type * from "./types.js";
