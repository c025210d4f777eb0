import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { projects, webhookDeliveries } from "../../src/db/schema.js";
import { labelDefinitions } from "../../src/core/labels.js";
import { useBootedApp } from "../support/boot.js";
import { examplePayload } from "../support/fixtures.js";
import { postDelivery } from "../support/github-app.js";
import { github, mockInstallationToken, recordedRequests, useStrictNock } from "../support/strict-nock.js";

useStrictNock();
const booted = useBootedApp();

function repoResponse(id: number, fullName: string, defaultBranch = "main") {
  const [owner, name] = fullName.split("/");
  return {
    id,
    node_id: `R_${id}`,
    name,
    full_name: fullName,
    private: false,
    owner: { login: owner },
    clone_url: `https://github.com/${fullName}.git`,
    default_branch: defaultBranch,
  };
}

describe("installation", () => {
  it("records the installed repositories and creates the missing cw: labels", async () => {
    const payload = examplePayload<{ installation: { id: number } }>("installation", "created");
    const installationId = payload.installation.id;
    mockInstallationToken(installationId);
    github()
      .get("/repos/Codertocat/Hello-World")
      .reply(200, repoResponse(186853002, "Codertocat/Hello-World", "trunk"));
    // The repository already has cw:ready (a person made it): it is kept as it is.
    github()
      .get("/repos/Codertocat/Hello-World/labels")
      .query({ per_page: "100" })
      .reply(200, [{ name: "bug" }, { name: "cw:ready", color: "000000" }]);
    const expected = labelDefinitions().filter((l) => l.name !== "cw:ready");
    github().post("/repos/Codertocat/Hello-World/labels").times(expected.length).reply(201, {});

    const res = await postDelivery(booted.app.port, "installation", payload);
    expect(res.status).toBe(202);
    await booted.settle();

    const [project] = await booted.database.db.select().from(projects);
    expect(project).toMatchObject({
      name: "Codertocat/Hello-World",
      url: "https://github.com/Codertocat/Hello-World.git",
      defaultBranch: "trunk",
      installationId,
      repositoryId: 186853002,
      owner: "Codertocat",
      repo: "Hello-World",
      installed: true,
    });
    const created = recordedRequests()
      .filter((r) => r.method === "POST" && r.path === "/repos/Codertocat/Hello-World/labels")
      .map((r) => r.body);
    expect(created).toEqual(expected);
    const [delivery] = await booted.database.db.select().from(webhookDeliveries);
    expect(delivery).toMatchObject({ event: "installation", action: "created", status: "done", attempts: 1 });
  });

  it("marks removed repositories as no longer installed, and adds new ones", async () => {
    const created = examplePayload<{ installation: { id: number } }>("installation", "created");
    mockInstallationToken(created.installation.id);
    github().get("/repos/Codertocat/Hello-World").reply(200, repoResponse(186853002, "Codertocat/Hello-World"));
    github().get("/repos/Codertocat/Hello-World/labels").query(true).reply(200, labelDefinitions());
    await postDelivery(booted.app.port, "installation", created);
    await booted.settle();

    const removed = examplePayload<Record<string, unknown>>("installation_repositories", "removed");
    removed.installation = { ...(removed.installation as object), id: created.installation.id };
    removed.repositories_removed = [{ id: 186853002, node_id: "x", name: "Hello-World", full_name: "Codertocat/Hello-World", private: false }];
    expect((await postDelivery(booted.app.port, "installation_repositories", removed)).status).toBe(202);
    await booted.settle();
    const [project] = await booted.database.db.select().from(projects).where(eq(projects.repositoryId, 186853002));
    expect(project?.installed).toBe(false);
  });
});
