#!/usr/bin/env node
// The `codewalkers` command (npx codewalkers runner, accounts …): the TypeScript sources run
// through tsx, as `npm start` does, so there is no build step to forget.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
