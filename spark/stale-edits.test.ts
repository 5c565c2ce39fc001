import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { SAMPLE_CONNECTION_ID } from "@/db/queries/connections";
import { findGeneratorById } from "@/db/queries/generators";
import { findSqlSourceById } from "@/db/queries/sql-sources";
import { findTemplateById } from "@/db/queries/templates";
import { findUserById, insertUser } from "@/db/queries/users";
import { testConnections } from "@/testing/connections";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import { setOperatorDisabled, setOperatorRole } from "./accounts/accounts";
import { generatorInput, saveGenerator, setGeneratorActive } from "./generators/generators";
import { savePartial } from "./mail/partials";
import { saveTemplate, setTemplateActive, templateInput, type TemplateFields } from "./mail/templates";
import { saveSqlSource } from "./sources/sql-sources";
import type { CodeSource } from "./sources/types";
import { describeStaleEdit } from "./stale-edits";

describe("describeStaleEdit", () => {
  const now = new Date("2026-12-01T07:44:00Z");
  it("says who, how long ago, when in UTC, and which fields", () => {
    expect(
      describeStaleEdit({
        by: "ada@example.com",
        at: new Date("2026-12-01T07:41:00Z"),
        now,
        changed: ["subject", "to"],
      }),
    ).toBe("Changed by ada@example.com 3 minutes ago (at 2026-12-01 07:41 UTC) since you opened it: subject, to.");
  });
  it("says only who and when where the versions in between are not stored, and only who without a time", () => {
    expect(describeStaleEdit({ by: null, at: new Date("2026-12-01T07:43:50Z"), now, changed: null })).toBe(
      "Changed by someone just now (at 2026-12-01 07:43 UTC) since you opened it.",
    );
    expect(describeStaleEdit({ by: "ada@example.com", at: null, now, changed: null })).toBe(
      "Changed by ada@example.com since you opened it.",
    );
  });
});

const people: CodeSource[] = [
  {
    name: "people",
    label: "People",
    description: "",
    variables: { score: { type: "number" } },
    async *candidates() {
      yield [];
    },
    context: () => ({}),
  },
];

describe(`stale edits are refused on ${testDriver}`, () => {
  let database: Database;
  let now = new Date("2026-12-01T07:41:00Z");
  const clock = () => now;
  let connections: ReturnType<typeof testConnections>;
  const deps = () => testDeps(database, { clock, sources: people, connections });
  let ada: string;
  let bob: string;
  beforeAll(async () => {
    database = await openTestDatabase();
    connections = testConnections(database);
    ada = (await insertUser(database.db, { email: "ada@example.com", passwordHash: "x", role: "admin" }))!.id;
    bob = (await insertUser(database.db, { email: "bob@example.com", passwordHash: "x", role: "admin" }))!.id;
  });
  afterAll(async () => {
    await connections?.close();
    await database?.close();
  });

  const template = (over: Partial<TemplateFields> = {}): TemplateFields =>
    templateInput.parse({
      name: "Welcome",
      group: "signup",
      active: false,
      from: "",
      to: "a@example.com",
      cc: "",
      bcc: "",
      replyTo: "",
      subject: "Hi",
      html: "<p>Hello</p>",
      text: "",
      ...over,
    });

  it("templates: the second save from the same version is refused, naming who, when and the fields that changed", async () => {
    now = new Date("2026-12-01T07:41:00Z");
    const created = await saveTemplate(deps(), { input: template(), by: ada });
    if (created.status !== "ok") throw new Error(created.status);
    const loaded = created.template.version;
    const first = await saveTemplate(deps(), {
      id: created.template.id,
      version: loaded,
      input: template({ subject: "Hello there", to: "b@example.com" }),
      by: ada,
    });
    expect(first.status).toBe("ok");
    now = new Date("2026-12-01T07:44:00Z");
    const second = await saveTemplate(deps(), {
      id: created.template.id,
      version: loaded,
      input: template({ html: "<p>Mine</p>" }),
      by: bob,
    });
    expect(second).toEqual({
      status: "stale",
      version: loaded + 1,
      message: "Changed by ada@example.com 3 minutes ago (at 2026-12-01 07:41 UTC) since you opened it: to, subject.",
    });
    const stored = await findTemplateById(database.db, { id: created.template.id });
    expect(stored).toMatchObject({ subject: "Hello there", html: "<p>Hello</p>", version: loaded + 1 });
    // Saving again from the version the refusal reported replaces theirs deliberately.
    const again = await saveTemplate(deps(), {
      id: created.template.id,
      version: loaded + 1,
      input: template({ html: "<p>Mine</p>" }),
      by: bob,
    });
    expect(again).toMatchObject({ status: "ok", template: { html: "<p>Mine</p>", updatedBy: bob } });
  });

  it("templates: of two concurrent saves from one version exactly one wins", async () => {
    const created = await saveTemplate(deps(), { input: template({ name: "Race" }), by: ada });
    if (created.status !== "ok") throw new Error(created.status);
    const results = await Promise.all(
      ["one", "two", "three"].map((subject) =>
        saveTemplate(deps(), {
          id: created.template.id,
          version: 1,
          input: template({ name: "Race", subject }),
          by: ada,
        }),
      ),
    );
    expect(results.filter((r) => r.status === "ok")).toHaveLength(1);
    expect(results.filter((r) => r.status === "stale")).toHaveLength(2);
    expect((await findTemplateById(database.db, { id: created.template.id }))?.version).toBe(2);
  });

  it("templates: a flip of the list's switch makes a form loaded before it stale", async () => {
    const created = await saveTemplate(deps(), { input: template({ name: "Switch" }), by: ada });
    if (created.status !== "ok") throw new Error(created.status);
    await setTemplateActive(deps(), { id: created.template.id, active: true, by: ada });
    const stale = await saveTemplate(deps(), {
      id: created.template.id,
      version: 1,
      input: template({ name: "Switch", subject: "Mine" }),
      by: bob,
    });
    expect(stale).toMatchObject({
      status: "stale",
      message: expect.stringMatching(/by ada@example\.com .*: active\.$/),
    });
  });

  it("partials: a stale save is refused with the fields that changed", async () => {
    const created = await savePartial(deps(), { input: { name: "footer", kind: "partial", body: "a" }, by: ada });
    if (created.status !== "ok") throw new Error(created.status);
    const id = created.partial.id;
    expect(
      await savePartial(deps(), { id, version: 1, input: { name: "footer", kind: "partial", body: "b" }, by: ada }),
    ).toMatchObject({ status: "ok" });
    const stale = await savePartial(deps(), {
      id,
      version: 1,
      input: { name: "footer", kind: "partial", body: "c" },
      by: bob,
    });
    expect(stale).toMatchObject({
      status: "stale",
      version: 2,
      message: expect.stringMatching(/ada@example\.com.*: body\.$/),
    });
  });

  it("generators: a stale save is refused with who and when, and every save records its editor", async () => {
    now = new Date("2026-12-01T07:41:00Z");
    const input = generatorInput.parse({ name: "g", group: "g", source: "code:people", conditions: [], active: false });
    const created = await saveGenerator(deps(), { input, by: ada });
    if (created.status !== "ok") throw new Error(created.status);
    const id = created.generator.id;
    expect(created.generator.updatedBy).toBe(ada);
    expect(await saveGenerator(deps(), { id, version: 1, input: { ...input, group: "h" }, by: bob })).toMatchObject({
      status: "ok",
      generator: { version: 2, updatedBy: bob },
    });
    now = new Date("2026-12-01T07:44:00Z");
    const stale = await saveGenerator(deps(), { id, version: 1, input: { ...input, group: "i" }, by: ada });
    expect(stale).toEqual({
      status: "stale",
      version: 2,
      message: "Changed by bob@example.com 3 minutes ago (at 2026-12-01 07:41 UTC) since you opened it.",
    });
    expect((await findGeneratorById(database.db, { id }))?.group).toBe("h");
    // With the copy the form loaded, the refusal also names what changed since.
    expect(
      await saveGenerator(deps(), { id, version: 1, input: { ...input, group: "i" }, base: input, by: ada }),
    ).toMatchObject({ status: "stale", message: expect.stringMatching(/since you opened it: event group\.$/) });
    await setGeneratorActive(deps(), { id, active: true, by: ada });
    expect(await findGeneratorById(database.db, { id })).toMatchObject({ version: 3, updatedBy: ada, active: true });
    expect(await saveGenerator(deps(), { id, version: 2, input, by: bob })).toMatchObject({ status: "stale" });
  });

  it("SQL sources: a stale save is refused, and saves record their editor", async () => {
    const input = { name: "src", description: "", connectionId: SAMPLE_CONNECTION_ID, query: "select 1 as id" };
    const created = await saveSqlSource(deps(), { input, by: ada });
    if (created.status !== "ok") throw new Error(JSON.stringify(created));
    const id = created.source.id;
    expect(
      await saveSqlSource(deps(), { id, version: 1, input: { ...input, description: "x" }, by: bob }),
    ).toMatchObject({ status: "ok", source: { version: 2, updatedBy: bob } });
    const stale = await saveSqlSource(deps(), { id, version: 1, input: { ...input, description: "y" }, by: ada });
    expect(stale).toMatchObject({ status: "stale", version: 2, message: expect.stringContaining("bob@example.com") });
    expect((await findSqlSourceById(database.db, { id }))?.description).toBe("x");
  }, 180_000);

  it("operators: a role or disable change from a page loaded before another admin's change is refused", async () => {
    const carol = (await insertUser(database.db, { email: "carol@example.com", passwordHash: "x", role: "operator" }))!;
    expect(
      await setOperatorRole(deps(), { actorId: ada, userId: carol.id, role: "admin", version: carol.version }),
    ).toEqual({ status: "ok" });
    expect(await findUserById(database.db, { id: carol.id })).toMatchObject({
      role: "admin",
      updatedBy: ada,
      version: 2,
    });
    const stale = await setOperatorDisabled(deps(), {
      actorId: bob,
      userId: carol.id,
      disabled: true,
      version: carol.version,
    });
    expect(stale).toEqual({
      status: "stale",
      version: 2,
      message: expect.stringMatching(
        /^Changed by ada@example\.com .+ \(at \d{4}-\d\d-\d\d \d\d:\d\d UTC\) since you opened it\.$/,
      ),
    });
    expect((await findUserById(database.db, { id: carol.id }))?.disabledAt).toBeNull();
  });
});
