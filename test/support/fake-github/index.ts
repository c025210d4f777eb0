/** The stateful fake GitHub: see fake-github.ts. */
export { FakeGitHub, RepositoryActions, type DeliveryResult } from "./fake-github.js";
export { APP_BOT, APP_SLUG } from "./objects.js";
export type * from "./types.js";
