import { describe, expect, it } from "vitest";
import { createLineRedactor, createRedactor, REDACTED, redactSecrets } from "../../src/lib/redact.js";

const GHS = `ghs_${"a".repeat(18)}${"B".repeat(18)}`;

describe("createRedactor", () => {
  it("replaces every occurrence of a known secret of 8 characters or more", () => {
    const redact = createRedactor(["hunter2hunter2", "short", "pa$$.w0rd*(x)"]);
    expect(redact("key=hunter2hunter2 again hunter2hunter2")).toBe(`key=${REDACTED} again ${REDACTED}`);
    // Regex metacharacters in a secret are taken literally.
    expect(redact("pw: pa$$.w0rd*(x).")).toBe(`pw: ${REDACTED}.`);
    // Values under 8 characters would shred ordinary text.
    expect(redact("a short word")).toBe("a short word");
  });

  it("prefers the longest known secret when one contains another", () => {
    const redact = createRedactor(["abcdefgh", "abcdefgh-ijkl"]);
    expect(redact("x abcdefgh-ijkl y")).toBe(`x ${REDACTED} y`);
  });

  it("finds each line of a multi-line secret in text read line by line", () => {
    const pem = ["-----BEGIN SECRET STUFF-----", "MIIEowIBAAKCAQEAx1y2z3", "-----END SECRET STUFF-----"].join("\n");
    const redact = createRedactor([pem]);
    expect(redact(pem)).toBe(REDACTED);
    expect(redact("line: MIIEowIBAAKCAQEAx1y2z3")).toBe(`line: ${REDACTED}`);
  });

  it.each([
    ["installation token", `token ${GHS} end`, `token ${REDACTED} end`],
    ["personal token", `ghp_${"x".repeat(36)}`, REDACTED],
    ["OAuth token", `gho_${"Y".repeat(36)}`, REDACTED],
    ["user-to-server token", `(ghu_${"1".repeat(36)})`, `(${REDACTED})`],
    ["refresh token", `ghr_${"z9".repeat(30)}`, REDACTED],
    ["fine-grained token", `github_pat_11ABCDEFG0_${"q".repeat(59)}`, REDACTED],
    ["x-access-token URL", "https://x-access-token:v1.abc123def@github.com/o/r.git", `https://x-access-token:${REDACTED}@github.com/o/r.git`],
    ["Bearer header", "Authorization: Bearer eyJhbGciOi.J9.x", `Authorization: Bearer ${REDACTED}`],
    ["Basic header", "-c http.extraHeader=Authorization: Basic eC1hY2Nlc3M=", `-c http.extraHeader=Authorization: Basic ${REDACTED}`],
    ["token header", "authorization: token abcdef123", `authorization: token ${REDACTED}`],
    ["JSON header", '{"Authorization":"Bearer abc.def"}', `{"Authorization":"Bearer ${REDACTED}"}`],
    ["Anthropic key", `ANTHROPIC_API_KEY=sk-ant-api03-${"k".repeat(90)}AA`, `ANTHROPIC_API_KEY=${REDACTED}`],
    ["OpenAI key", `key sk-proj-${"A1".repeat(24)}`, `key ${REDACTED}`],
    ["legacy OpenAI key", `sk-${"Z".repeat(48)}`, REDACTED],
    ["AWS access key id", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE", `aws_access_key_id = ${REDACTED}`],
    ["PEM private key block", "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAK\n-----END RSA PRIVATE KEY-----\nafter", `key:\n${REDACTED}\nafter`],
    ["unterminated PEM block", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1r", REDACTED],
  ])("replaces a %s", (_name, input, expected) => {
    expect(createRedactor([])(input)).toBe(expected);
  });

  it("leaves ordinary text alone", () => {
    const text = [
      "commit 3f2c1a9b8e7d6c5b4a39281706f5e4d3c2b1a098",
      "sk-short is not a key; ghs_short neither; task-123 done",
      "Authorization header is set per command",
      "AKIA is a prefix",
    ].join("\n");
    expect(createRedactor(["not-in-the-text"])(text)).toBe(text);
  });

  it("is the same function of the text however often it runs (no state)", () => {
    const redact = createRedactor(["s3cret-value"]);
    expect(redact(`a s3cret-value ${GHS}`)).toBe(redact(`a s3cret-value ${GHS}`));
    expect(redact(redact(`a s3cret-value ${GHS}`))).toBe(`a ${REDACTED} ${REDACTED}`);
  });

  it("redactSecrets knows the token shapes", () => {
    expect(redactSecrets(`push with ${GHS}`)).toBe(`push with ${REDACTED}`);
  });
});

describe("createLineRedactor", () => {
  it("redacts a PEM private key block that arrives one line at a time", () => {
    const redactLine = createLineRedactor(createRedactor([]));
    const lines = [
      "before",
      "key: -----BEGIN PRIVATE KEY-----",
      "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7",
      "c29tZSBiYXNlNjQgdGV4dA==",
      "-----END PRIVATE KEY----- trailing",
      `after ${GHS}`,
    ];
    expect(lines.map(redactLine)).toEqual(["before", `key: ${REDACTED}`, REDACTED, REDACTED, `${REDACTED} trailing`, `after ${REDACTED}`]);
  });

  it("handles a whole block on one line like the plain redactor", () => {
    const redactLine = createLineRedactor(createRedactor([]));
    expect(redactLine("x -----BEGIN EC PRIVATE KEY-----abc-----END EC PRIVATE KEY----- y")).toBe(`x ${REDACTED} y`);
    expect(redactLine("next line")).toBe("next line");
  });
});
