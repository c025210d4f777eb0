import { describe, expect, it } from "vitest";
import { labelDefinitions } from "../../src/core/labels.js";
import { useBootedApp } from "../support/boot.js";
import { FakeGitHub } from "../support/fake-github/index.js";
import { useStrictNock } from "../support/strict-nock.js";

useStrictNock();
const booted = useBootedApp();

describe("the app against the fake GitHub", () => {
  it("installs: records the repository and creates the cw: labels, with no redundant write", async () => {
    const fake = new FakeGitHub({ repositories: [{ labels: ["bug", { name: "cw:ready", color: "000000" }] }] });
    fake.install();

    const deliveries = await fake.deliver(booted.app.port);
    expect(deliveries.map((d) => d.status)).toEqual([202]);
    await booted.settle();

    expect(
      fake
        .labels()
        .map((l) => l.name)
        .sort(),
    ).toEqual(["bug", ...labelDefinitions().map((l) => l.name)].sort());
    // A label a person made is kept as it is.
    expect(fake.labels().find((l) => l.name === "cw:ready")?.color).toBe("000000");
    const counts = fake.counts();
    expect(counts.redundantWrites).toBe(0);
    expect(counts.byRoute["POST /repos/{owner}/{repo}/labels"]).toBe(labelDefinitions().length - 1);
    expect(fake.pendingWebhooks).toEqual([]); // GitHub sends no issue event for a new label definition
  });
});
