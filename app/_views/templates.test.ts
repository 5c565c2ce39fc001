import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { templateFieldsOf } from "@/db/queries/templates";
import { mailTemplates, partials, templateVersions, users } from "@/db/schema";
import { openTestDatabase, testDriver } from "@/testing/database";
import { loadNewTemplate, loadTemplateEditor, loadTemplateHistory } from "./templates";

describe(`template pages on ${testDriver}`, () => {
  let database: Database;
  let id: string;
  beforeAll(async () => {
    database = await openTestDatabase();
    const [ada] = await database.db.insert(users).values({ email: "ada@example.com" }).returning();
    const [bob] = await database.db.insert(users).values({ email: "bob@example.com" }).returning();
    const [template] = await database.db
      .insert(mailTemplates)
      .values({ name: "welcome", groupPattern: "signup", version: 3, layout: "frame" })
      .returning();
    id = template!.id;
    const fields = templateFieldsOf(template!);
    await database.db.insert(templateVersions).values([
      { templateId: id, version: 1, fields, note: "created" },
      { templateId: id, version: 2, fields, createdBy: ada!.id },
      { templateId: id, version: 3, fields, createdBy: bob!.id },
    ]);
    await database.db.insert(partials).values([
      { name: "frame", kind: "layout" },
      { name: "footer", kind: "partial" },
    ]);
  });
  afterAll(() => database?.close());

  it("names who saved each version and compares with the one before the current unless the URL asks", async () => {
    const history = await loadTemplateHistory(database.db, { id, params: {} });
    expect(history?.versions.map((v) => [v.version, v.by])).toEqual([
      [3, "bob@example.com"],
      [2, "ada@example.com"],
      [1, "Spark"],
    ]);
    expect(history?.selected?.version).toBe(2);
    expect((await loadTemplateHistory(database.db, { id, params: { v: "1" } }))?.selected?.version).toBe(1);
    expect((await loadTemplateHistory(database.db, { id, params: { v: "nine" } }))?.selected?.version).toBe(2);
    expect(await loadTemplateHistory(database.db, { id: "not-a-uuid", params: {} })).toBeNull();
  });

  it("offers only layouts to choose, and says what the last action did", async () => {
    expect(await loadNewTemplate(database.db)).toEqual({ layouts: ["frame"] });
    const saved = await loadTemplateEditor(database.db, { id, params: { saved: "1" } });
    expect(saved?.notice).toBe("Saved as version 3.");
    expect(saved?.initial).toMatchObject({ name: "welcome", group: "signup", layout: "frame" });
    const restored = await loadTemplateEditor(database.db, { id, params: { restored: "1" } });
    expect(restored?.notice).toBe("Restored version 1; it is now version 3.");
    expect((await loadTemplateEditor(database.db, { id, params: {} }))?.notice).toBeNull();
  });
});
