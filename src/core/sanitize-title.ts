/**
 * A title from GitHub (an issue's, a milestone's) as the app keeps it: the name of a task, a
 * phase or an initiative, which reaches task.md and the related tasks' files, branch names, pull
 * request titles and bodies, check runs and comments. Like a body (`sanitize.ts`), it keeps
 * nothing GitHub's rendering hides — invisible, tag and bidi characters, comments, hidden
 * elements — and it is one line; and since the app shows it in text it posts, a mention in it
 * is made inert ("@\u200balice", as for an agent's words in `agent-text.ts`), and so is a closing
 * keyword ("Fi\u200bxes #1"): names go into commit messages and pull-request titles and bodies,
 * and GitHub closes what those name once they reach the default branch.
 */
import { neutraliseClosingKeywords, neutraliseMentions } from "./agent-text.js";
import { sanitizeLine } from "./sanitize.js";

export function sanitizeTitle(title: string | null | undefined): string {
  return neutraliseClosingKeywords(neutraliseMentions(sanitizeLine(title)));
}
