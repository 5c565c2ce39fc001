import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { generators, jobRuns, sqlSources, type GeneratorCounts, type JobSummary } from "@/db/schema";
import type { CodeSource } from "@/spark/sources/types";
import { openTestDatabase, testDriver } from "@/testing/database";
import { loadGeneratorEditor, loadGenerators } from "./generators";
import { loadSources } from "./sources";

const people = {
  name: "people",
  label: "People",
  description: "Everyone",
  variables: { score: { type: "number" } },
  async *candidates() {},
  context: () => ({}),
} as unknown as CodeSource;

const summaryOf = (counts: GeneratorCounts[]): JobSummary => ({
  runId: null,
  status: "ok",
  trigger: "manual",
  events: { recorded: 0, seen: 0 },
  deliveries: { sent: 0, failed: 0, dead: 0 },
  generators: counts,
  groups: {},
  errors: [],
  durationMs: 1,
});

describe(`generators and sources pages on ${testDriver}`, () => {
  let database: Database;
  let ids: { scored: string; orphan: string; sql: string };
  let runIds: number[];
  beforeAll(async () => {
    database = await openTestDatabase();
    const [source] = await database.db
      .insert(sqlSources)
      .values({ name: "invoices", query: "select 1 as id", variables: {} })
      .returning();
    const [scored, orphan, sql] = await database.db
      .insert(generators)
      .values([
        {
          name: "scored",
          group: "g",
          source: "code:people",
          conditions: [{ variable: "score", operator: ">=", value: "7" }],
        },
        { name: "orphan", group: "g", source: "code:ghost" },
        { name: "from sql", group: "s", source: `sql:${source!.id}` },
      ])
      .returning();
    ids = { scored: scored!.id, orphan: orphan!.id, sql: sql!.id };
    const counts = (n: number): GeneratorCounts => ({
      id: scored!.id,
      name: "scored",
      group: "g",
      source: "code:people",
      candidates: n,
      passed: n,
      recorded: n,
      seen: 0,
      failed: 0,
    });
    const runs = await database.db
      .insert(jobRuns)
      .values([
        { trigger: "manual", status: "ok", startedAt: new Date(), summary: summaryOf([counts(1)]) },
        { trigger: "manual", status: "ok", startedAt: new Date(), summary: summaryOf([counts(2)]) },
        { trigger: "manual", status: "ok", startedAt: new Date(), summary: summaryOf([]) },
      ])
      .returning();
    runIds = runs.map((r) => r.id);
  });
  afterAll(() => database?.close());

  it("lists each generator with its source's label, its conditions as text and its newest run's counts", async () => {
    const view = await loadGenerators(database.db, { params: { saved: "scored" }, sources: [people] });
    const byName = new Map(view.generators.map((g) => [g.name, g]));
    expect(byName.get("scored")).toMatchObject({
      sourceLabel: "People",
      conditionsText: "score >= 7",
      lastRun: { runId: runIds[1], counts: { candidates: 2 } },
    });
    expect(byName.get("orphan")).toMatchObject({ sourceLabel: null, conditionsText: "every candidate", lastRun: null });
    expect(byName.get("from sql")?.sourceLabel).toBe("invoices");
    expect(view.saved).toBe("scored");
    expect(view.deleted).toBeNull();
  });

  it("offers a generator to edit with every source, and nothing for an id that is not one", async () => {
    const editor = await loadGeneratorEditor(database.db, { id: ids.scored, sources: [people] });
    expect(editor?.generator.name).toBe("scored");
    expect(editor?.sources.map((s) => s.ref)).toEqual(["code:people", expect.stringMatching(/^sql:/)]);
    expect(await loadGeneratorEditor(database.db, { id: "42", sources: [people] })).toBeNull();
    expect(editor?.templatePatterns).toEqual([]);
  });

  it("names who uses each source, and a SQL source without a connection", async () => {
    const view = await loadSources(database.db, { params: {}, sources: [people] });
    expect(view.codeSources).toMatchObject([{ name: "people", label: "People", usedBy: ["scored"] }]);
    expect(view.sqlSources).toMatchObject([{ name: "invoices", connectionName: null, usedBy: ["from sql"] }]);
  });
});
