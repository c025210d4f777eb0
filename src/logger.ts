/**
 * The app's logger (pino, as Probot uses). Known secret-bearing fields are redacted by path;
 * free text (agent output, error messages) goes through `redactSecrets` before it is logged,
 * stored or posted.
 */
import { pino, type Logger } from "pino";

export type { Logger };

const REDACT_PATHS = [
  "privateKey",
  "*.privateKey",
  "token",
  "*.token",
  "secret",
  "*.secret",
  "webhookSecret",
  "*.webhookSecret",
  "headers.authorization",
  "*.headers.authorization",
  "request.headers.authorization",
  "credentials",
  "*.credentials",
];

export function createLogger(level: string = "info"): Logger {
  return pino({
    name: "codewalkers",
    level,
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
  });
}
