/**
 * A local stand-in for OpenAI's Responses API, for the real `codex` CLI: `POST <base>/responses`
 * answered with server-sent events (`response.created`, `response.output_item.done` per item,
 * `response.completed` with usage), or an error with its status.
 *
 * A test gives it a script: a function from the request (the whole `input` the CLI sent: earlier
 * turns, tool outputs) to the next response's items. A shell call is a real tool call: codex runs
 * it and sends its output back in the next request.
 *
 * As with the Anthropic fake, the tests point HTTPS_PROXY/HTTP_PROXY at it: a request codex makes
 * to any other host arrives here, is refused, and is logged in `foreign`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface ResponsesRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: {
    model?: string;
    instructions?: string;
    input: Record<string, unknown>[];
    tools?: Record<string, unknown>[];
    stream?: boolean;
  };
}

export type ResponseItem = Record<string, unknown>;

export type OpenAIReply =
  | { kind: "items"; items: ResponseItem[]; usage?: { input_tokens: number; cached_tokens?: number; output_tokens: number } }
  | { kind: "error"; status: number; code: string; message: string; headers?: Record<string, string> };

export type OpenAIScript = (request: ResponsesRequest) => OpenAIReply;

export interface LoggedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body?: ResponsesRequest["body"];
}

let ids = 0;

export function message(text: string): ResponseItem {
  return { type: "message", role: "assistant", id: `msg_fake_${++ids}`, content: [{ type: "output_text", text, annotations: [] }] };
}

/** A call of whichever shell tool this codex offers, running `script` with bash in its working directory. */
export function shellCall(request: ResponsesRequest, script: string): ResponseItem {
  const tools = offeredTools(request);
  const callId = `call_fake_${++ids}`;
  // Codex 0.17x in "code mode" offers one custom tool, `exec`: JavaScript that calls the nested
  // tools (`tools.exec_command`) it describes.
  if (tools.includes("functions.exec")) {
    return {
      type: "custom_tool_call",
      name: "exec",
      input: `const out = await tools.exec_command({ cmd: ${JSON.stringify(script)} });\ntext(out);`,
      call_id: callId,
    };
  }
  if (tools.includes("shell_command")) return { type: "function_call", name: "shell_command", arguments: JSON.stringify({ command: script }), call_id: callId };
  if (tools.includes("exec_command")) return { type: "function_call", name: "exec_command", arguments: JSON.stringify({ cmd: script }), call_id: callId };
  if (tools.includes("shell"))
    return { type: "function_call", name: "shell", arguments: JSON.stringify({ command: ["bash", "-lc", script] }), call_id: callId };
  if (tools.includes("local_shell")) {
    return { type: "local_shell_call", call_id: callId, status: "completed", action: { type: "exec", command: ["bash", "-lc", script] } };
  }
  throw new Error(`codex offered no shell tool: ${tools.join(", ")}`);
}

/**
 * The tools a request offers: the top-level `tools`, and (codex 0.17x) those of `additional_tools`
 * items in the input, namespaced ones as `<namespace>.<name>`.
 */
export function offeredTools(request: ResponsesRequest): string[] {
  const names = (tools: Record<string, unknown>[], prefix: string): string[] =>
    tools.flatMap((t) => {
      const name = String(t.name ?? t.type ?? "");
      return Array.isArray(t.tools) ? names(t.tools as Record<string, unknown>[], `${prefix}${name}.`) : [`${prefix}${name}`];
    });
  const extra = request.body.input
    .filter((i) => i.type === "additional_tools" && Array.isArray(i.tools))
    .flatMap((i) => names(i.tools as Record<string, unknown>[], ""));
  return [...names(request.body.tools ?? [], ""), ...extra];
}

/** Every text in the request's input (user messages, earlier assistant messages, tool outputs), in order. */
export function inputTexts(request: ResponsesRequest): string[] {
  return request.body.input.flatMap((item) => {
    if (item.type === "message" && Array.isArray(item.content)) {
      return (item.content as { text?: unknown }[]).flatMap((c) => (typeof c.text === "string" ? [c.text] : []));
    }
    if (item.type === "function_call_output" || item.type === "custom_tool_call_output") return [JSON.stringify(item.output ?? "")];
    return [];
  });
}

/** How many tool outputs the input holds: 0 on a turn's first request. */
export function toolOutputCount(request: ResponsesRequest): number {
  return request.body.input.filter((item) => String(item.type ?? "").endsWith("_output")).length;
}

export class FakeOpenAI {
  readonly requests: LoggedRequest[] = [];
  readonly foreign: string[] = [];
  readonly conversations: ResponsesRequest[] = [];
  script: OpenAIScript = () => ({ kind: "items", items: [message("Nothing to do.")] });
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error("the fake OpenAI API is not started");
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
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
      this.foreign.push(`${req.method} ${url}`);
      res.writeHead(403).end();
      return;
    }
    let body: ResponsesRequest["body"] | undefined;
    try {
      body = raw ? (JSON.parse(raw) as ResponsesRequest["body"]) : undefined;
    } catch {
      body = undefined;
    }
    this.requests.push({ method: req.method ?? "", url, headers: req.headers, ...(body ? { body } : {}) });
    const path = url.split("?")[0] ?? "";
    if (req.method === "GET" && path.endsWith("/models")) {
      json(res, 200, { models: [], data: [] });
      return;
    }
    if (req.method !== "POST" || !path.endsWith("/responses") || !body || !Array.isArray(body.input)) {
      json(res, 404, { error: { message: `no route ${req.method} ${url}`, type: "invalid_request_error", code: "not_found" } });
      return;
    }
    const request: ResponsesRequest = { path: url, headers: req.headers, body };
    this.conversations.push(request);
    let answer: OpenAIReply;
    try {
      answer = this.script(request);
    } catch (error) {
      answer = { kind: "error", status: 500, code: "server_error", message: `the test's script failed: ${(error as Error).message}` };
    }
    if (answer.kind === "error") {
      res.writeHead(answer.status, { "content-type": "application/json", ...(answer.headers ?? {}) });
      res.end(JSON.stringify({ error: { message: answer.message, type: answer.code, code: answer.code } }));
      return;
    }
    const responseId = `resp_fake_${++ids}`;
    const usage = answer.usage ?? { input_tokens: 200, cached_tokens: 150, output_tokens: 30 };
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write(sse({ type: "response.created", response: { id: responseId } }));
    for (const [index, item] of answer.items.entries()) res.write(sse({ type: "response.output_item.done", output_index: index, item }));
    res.write(
      sse({
        type: "response.completed",
        response: {
          id: responseId,
          usage: {
            input_tokens: usage.input_tokens,
            input_tokens_details: { cached_tokens: usage.cached_tokens ?? 0 },
            output_tokens: usage.output_tokens,
            output_tokens_details: { reasoning_tokens: 0 },
            total_tokens: usage.input_tokens + usage.output_tokens,
          },
        },
      }),
    );
    res.end();
  }
}

function sse(data: { type: string } & Record<string, unknown>): string {
  return `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}
