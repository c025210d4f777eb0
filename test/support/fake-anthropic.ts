/**
 * A local stand-in for Anthropic's Messages API, for the real `claude` CLI. It answers
 * `POST /v1/messages` as the API does: a stream of server-sent events (`message_start`, content
 * blocks with text or `tool_use` input deltas, `message_delta` with the stop reason and usage,
 * `message_stop`), or one JSON message when `stream` is false, or an error with its status.
 *
 * A test gives it a script: a function from the request (the whole conversation the CLI sent)
 * to the next assistant turn. Tool calls are real: the CLI runs the tool (Write, …) itself and
 * sends its result back in the next request, so the conversation the fake sees is the CLI's own.
 *
 * It is also the agent's only way out: the tests point HTTPS_PROXY/HTTP_PROXY at it, so any
 * request the CLI makes to another host arrives here as a proxy request (CONNECT or an absolute
 * URL), is refused, and is logged in `foreign`. Every request is logged in `requests`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Socket } from "node:net";

export type ContentBlock = { type: "text"; text: string } | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

export interface TurnUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

export type AnthropicReply =
  | { kind: "message"; content: ContentBlock[]; usage?: TurnUsage }
  | { kind: "error"; status: number; type: string; message: string; headers?: Record<string, string> }
  /** Sends the start of a message, then closes the connection in the middle of the stream. */
  | { kind: "cut" }
  /** Never answers (the test kills the agent meanwhile). */
  | { kind: "hang" };

export interface MessagesRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: {
    model?: string;
    stream?: boolean;
    system?: unknown;
    messages: { role: "user" | "assistant"; content: string | Record<string, unknown>[] }[];
    tools?: { name: string }[];
  };
}

export type AnthropicScript = (request: MessagesRequest) => AnthropicReply;

export interface LoggedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body?: MessagesRequest["body"];
}

export const DEFAULT_USAGE: TurnUsage = { input_tokens: 100, output_tokens: 20, cache_read_input_tokens: 1000, cache_creation_input_tokens: 50 };

let toolIds = 0;

export function text(value: string): ContentBlock {
  return { type: "text", text: value };
}

export function toolUse(name: string, input: Record<string, unknown>): ContentBlock {
  return { type: "tool_use", id: `toolu_fake_${++toolIds}`, name, input };
}

export function reply(...content: ContentBlock[]): AnthropicReply {
  return { kind: "message", content };
}

/** The working directory claude states in its system prompt. */
export function cwdOf(request: MessagesRequest): string {
  const system = JSON.stringify(request.body.system ?? "") + JSON.stringify(request.body.messages[0]?.content ?? "");
  const match = /Working directory: ([^\s"\\]+)/.exec(system);
  if (!match?.[1]) throw new Error("the request does not state claude's working directory");
  return match[1];
}

/** Every text the user side of the conversation holds (prompts and tool results), in order. */
export function userTexts(request: MessagesRequest): string[] {
  return request.body.messages.filter((m) => m.role === "user").flatMap((m) => textsOf(m.content));
}

/** Every text the assistant said so far (earlier turns included), in order. */
export function assistantTexts(request: MessagesRequest): string[] {
  return request.body.messages.filter((m) => m.role === "assistant").flatMap((m) => textsOf(m.content));
}

/** How many tool results the conversation holds: 0 on a turn's first request. */
export function toolResultCount(request: MessagesRequest): number {
  return request.body.messages.flatMap((m) => (typeof m.content === "string" ? [] : m.content)).filter((b) => b.type === "tool_result").length;
}

/** The tool results of the last user message (what the CLI's tools answered). */
export function lastToolResults(request: MessagesRequest): string[] {
  const last = request.body.messages[request.body.messages.length - 1];
  if (!last || typeof last.content === "string") return [];
  return last.content.filter((b) => b.type === "tool_result").map((b) => JSON.stringify(b.content ?? ""));
}

function textsOf(content: string | Record<string, unknown>[]): string[] {
  if (typeof content === "string") return [content];
  return content.flatMap((block) => {
    if (block.type === "text" && typeof block.text === "string") return [block.text];
    if (block.type === "tool_result") return [typeof block.content === "string" ? block.content : JSON.stringify(block.content ?? "")];
    if (block.type === "tool_use") return [JSON.stringify(block.input ?? {})];
    return [];
  });
}

export class FakeAnthropic {
  readonly requests: LoggedRequest[] = [];
  /** Requests meant for any other host (through the proxy settings): each one a leak. */
  readonly foreign: string[] = [];
  /** The `/v1/messages` requests that carried a conversation (helper calls included). */
  readonly conversations: MessagesRequest[] = [];
  script: AnthropicScript = () => reply(text("Nothing to do."));
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private messageIds = 0;

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error("the fake Anthropic API is not started");
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
    // An HTTPS request to another host, through the proxy settings: refused and logged.
    this.server.on("connect", (req: IncomingMessage, socket: Socket) => {
      this.foreign.push(`CONNECT ${req.url ?? ""}`);
      socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Forgets what was logged (between tests). */
  reset(): void {
    this.requests.length = 0;
    this.foreign.length = 0;
    this.conversations.length = 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const url = req.url ?? "";
    if (/^https?:\/\//.test(url)) {
      // A plain-http request to another host, through the proxy settings.
      this.foreign.push(`${req.method} ${url}`);
      res.writeHead(403).end();
      return;
    }
    let body: MessagesRequest["body"] | undefined;
    try {
      body = raw ? (JSON.parse(raw) as MessagesRequest["body"]) : undefined;
    } catch {
      body = undefined;
    }
    this.requests.push({ method: req.method ?? "", url, headers: req.headers, ...(body ? { body } : {}) });
    const path = url.split("?")[0];
    if (req.method === "POST" && path === "/v1/messages/count_tokens") {
      json(res, 200, { input_tokens: 100 });
      return;
    }
    if (req.method !== "POST" || path !== "/v1/messages" || !body || !Array.isArray(body.messages)) {
      json(res, 404, { type: "error", error: { type: "not_found_error", message: `no route ${req.method} ${url}` } });
      return;
    }
    const request: MessagesRequest = { path: url, headers: req.headers, body };
    this.conversations.push(request);
    let answer: AnthropicReply;
    try {
      answer = this.script(request);
    } catch (error) {
      answer = { kind: "error", status: 500, type: "api_error", message: `the test's script failed: ${(error as Error).message}` };
    }
    this.answer(res, body, answer);
  }

  private answer(res: ServerResponse, body: MessagesRequest["body"], answer: AnthropicReply): void {
    switch (answer.kind) {
      case "hang":
        return;
      case "error":
        res.writeHead(answer.status, { "content-type": "application/json", "request-id": "req_fake", ...(answer.headers ?? {}) });
        res.end(JSON.stringify({ type: "error", error: { type: answer.type, message: answer.message } }));
        return;
      case "cut": {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        const start = this.message(body, []);
        res.write(sse("message_start", { type: "message_start", message: { ...start, content: [], stop_reason: null } }));
        res.write(sse("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }));
        res.write(sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Half a sent" } }));
        // The connection drops mid-stream, as a proxy or the network may do.
        res.socket?.destroy();
        return;
      }
      case "message":
        break;
    }
    const usage = answer.usage ?? DEFAULT_USAGE;
    const stopReason = answer.content.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn";
    const message = { ...this.message(body, answer.content), stop_reason: stopReason, usage };
    if (body.stream !== true) {
      json(res, 200, message);
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "request-id": "req_fake" });
    res.write(
      sse("message_start", {
        type: "message_start",
        message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } },
      }),
    );
    answer.content.forEach((block, index) => {
      if (block.type === "text") {
        res.write(sse("content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "" } }));
        res.write(sse("content_block_delta", { type: "content_block_delta", index, delta: { type: "text_delta", text: block.text } }));
      } else {
        res.write(sse("content_block_start", { type: "content_block_start", index, content_block: { ...block, input: {} } }));
        res.write(
          sse("content_block_delta", { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) } }),
        );
      }
      res.write(sse("content_block_stop", { type: "content_block_stop", index }));
    });
    res.write(
      sse("message_delta", {
        type: "message_delta",
        delta: { stop_reason: stopReason, stop_sequence: null },
        usage: { output_tokens: usage.output_tokens },
      }),
    );
    res.write(sse("message_stop", { type: "message_stop" }));
    res.end();
  }

  private message(body: MessagesRequest["body"], content: ContentBlock[]) {
    return {
      id: `msg_fake_${++this.messageIds}`,
      type: "message",
      role: "assistant",
      model: body.model ?? "claude-fake",
      content,
      stop_sequence: null,
    };
  }
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}
