/** The text of one of the app's comments as GitHub stores it: its marker, then its body, within GitHub's limit. */
import { commentMarker, type UpsertCommentIntent } from "./intents.js";

/** GitHub rejects comment bodies over 65,536 characters. */
export const MAX_COMMENT_LENGTH = 65_536;

export function renderComment(intent: UpsertCommentIntent): string {
  const marker = commentMarker(intent.marker);
  const room = MAX_COMMENT_LENGTH - marker.length - 1;
  const body = intent.body.length > room ? `${intent.body.slice(0, room - 40)}\n\n… (truncated)` : intent.body;
  return `${marker}\n${body}`;
}
