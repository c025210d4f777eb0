/**
 * The local API fakes the real-CLI tests and bench/agent-overhead.ts use: they stream what the
 * providers stream (events in order, tool calls as input deltas), answer errors with the
 * provider's shapes, and log any request meant for another host as a leak.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeAnthropic, reply, text, toolUse } from "../support/fake-anthropic.js";
import { FakeOpenAI, message } from "../support/fake-openai.js";

const anthropic = new FakeAnthropic();
const openai = new FakeOpenAI();
beforeAll(async () => {
  await anthropic.start();
  await openai.start();
});
afterAll(async () => {
  await anthropic.stop();
  await openai.stop();
});

function events(body: string): { event: string; data: Record<string, unknown> }[] {
  return body
    .split("\n\n")
    .filter(Boolean)
    .map((block) => ({ event: /^event: (.+)$/m.exec(block)![1]!, data: JSON.parse(/^data: (.+)$/m.exec(block)![1]!) as Record<string, unknown> }));
}

describe("the API fakes", () => {
  it("Anthropic: streams a tool call as the Messages API does, and answers errors with their status", async () => {
    anthropic.script = (req) =>
      req.body.messages.length === 1
        ? reply(text("Writing."), toolUse("Write", { file_path: "/w/a.txt", content: "hi" }))
        : { kind: "error", status: 529, type: "overloaded_error", message: "Overloaded" };
    const res = await fetch(`${anthropic.url}/v1/messages?beta=true`, {
      method: "POST",
      body: JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: "go" }] }),
    });
    const stream = events(await res.text());
    expect(stream.map((e) => e.event)).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(stream[5]!.data.delta).toEqual({ type: "input_json_delta", partial_json: JSON.stringify({ file_path: "/w/a.txt", content: "hi" }) });
    expect((stream[7]!.data.delta as { stop_reason: string }).stop_reason).toBe("tool_use");
    const busy = await fetch(`${anthropic.url}/v1/messages`, {
      method: "POST",
      body: JSON.stringify({
        stream: true,
        messages: [
          { role: "user", content: "a" },
          { role: "assistant", content: "b" },
        ],
      }),
    });
    expect(busy.status).toBe(529);
    expect(await busy.json()).toEqual({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
    expect(anthropic.conversations).toHaveLength(2);
  });

  it("OpenAI: streams response items and usage as the Responses API does", async () => {
    openai.script = () => ({ kind: "items", items: [message("OK")] });
    const res = await fetch(`${openai.url}/v1/responses`, { method: "POST", body: JSON.stringify({ model: "m", stream: true, input: [] }) });
    const stream = events(await res.text());
    expect(stream.map((e) => e.event)).toEqual(["response.created", "response.output_item.done", "response.completed"]);
    expect((stream[2]!.data.response as { usage: { input_tokens: number } }).usage.input_tokens).toBe(200);
  });

  it("logs a request meant for another host (through the proxy settings) and refuses it", async () => {
    // A raw socket: nock, which tests load, does not pass CONNECT through http.request.
    const status = await new Promise<number>((resolve, reject) => {
      const socket = connect(Number(new URL(anthropic.url).port), "127.0.0.1", () => {
        socket.write("CONNECT statsig.anthropic.com:443 HTTP/1.1\r\nHost: statsig.anthropic.com:443\r\n\r\n");
      });
      socket.once("data", (chunk) => {
        socket.destroy();
        resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(chunk.toString())?.[1] ?? 0));
      });
      socket.on("error", reject);
    });
    expect(status).toBe(403);
    expect(anthropic.foreign).toEqual(["CONNECT statsig.anthropic.com:443"]);
  });
});
