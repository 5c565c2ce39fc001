import { count } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { events, generators, jobRuns } from "@/db/schema";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import { generatorInput, previewGenerator, saveGenerator } from "./generators";
import { runJob } from "../job/job";
import { deleteSqlSource, saveSqlSource } from "../sources/sql-sources";
import { SAMPLE_CONNECTION_ID } from "@/db/queries/connections";
import { testConnections } from "../../testing/connections";
import type { CodeSource } from "../sources/types";

const rows = [
  { id: 1, score: 9, name: "Ada" },
  { id: 2, score: 2, name: "Grace" },
  { id: 3, score: 7, name: "Linus" },
];
const registry = [
  {
    name: "people",
    label: "People",
    description: "",
    variables: { score: { type: "number" }, name: { type: "string" } },
    async *candidates() {
      yield rows;
    },
    context: ({ score, name }) => ({ score, name }),
  } satisfies CodeSource<(typeof rows)[number]>,
] as CodeSource[];

describe(`generators on ${testDriver}`, () => {
  let database: Database;
  const clock = () => new Date("2030-01-01T00:00:00Z");
  const deps = () => testDeps(database, { clock, sources: registry });
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  const input = (over: Partial<Parameters<typeof generatorInput.parse>[0]> = {}) =>
    generatorInput.parse({ name: "g", group: "g", source: "code:people", conditions: [], active: true, ...over });

  it("refuses group names outside the allowed characters", () => {
    const result = generatorInput.safeParse({
      name: "x",
      group: "has space",
      source: "code:people",
      conditions: [],
      active: true,
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe("Use only letters, digits and _ . : - (no spaces).");
    expect(
      generatorInput.safeParse({ name: "x", group: "a".repeat(101), source: "s", conditions: [], active: true })
        .success,
    ).toBe(false);
  });

  it("checks each condition against the source's variables, keyed by row and field", async () => {
    const result = await saveGenerator(deps(), {
      input: input({
        conditions: [
          { variable: "score", operator: ">", value: "abc" },
          { variable: "name", operator: "<", value: "M" },
          { variable: "nope", operator: "=", value: "1" },
        ],
      }),
    });
    expect(result).toEqual({
      status: "invalid",
      fieldErrors: {
        "conditions.0.value": ["'abc' is not a number."],
        "conditions.2.variable": ["The source has no variable 'nope'."],
      },
    });
  });

  it("django-spark: keys stay unambiguous — a new group with ':' is refused, an existing generator keeps its own", async () => {
    // Group "a:b" with id 1 and group "a" with id "b:1" would both be keyed a:b:1.
    const refused = await saveGenerator(deps(), { input: input({ name: "colon", group: "a:b" }) });
    expect(refused).toMatchObject({
      status: "invalid",
      fieldErrors: { group: [expect.stringContaining('cannot contain ":"')] },
    });
    // One saved before the rule (written straight to the table) can still be edited without changing its group.
    const [legacy] = await database.db
      .insert(generators)
      .values({ name: "legacy colon", group: "old:group", source: "code:people", conditions: [] })
      .returning();
    const kept = await saveGenerator(deps(), {
      id: legacy!.id,
      version: legacy!.version,
      input: input({ name: "legacy colon, renamed", group: "old:group" }),
    });
    expect(kept.status).toBe("ok");
    const moved = await saveGenerator(deps(), {
      id: legacy!.id,
      input: input({ name: "legacy colon, renamed", group: "old:other" }),
    });
    expect(moved.status).toBe("invalid");
  });

  it("refuses an unknown source and a taken name", async () => {
    expect(await saveGenerator(deps(), { input: input({ source: "code:ghost" }) })).toEqual({
      status: "invalid",
      fieldErrors: { source: ["Choose one of the listed sources."] },
    });
    expect((await saveGenerator(deps(), { input: input({ name: "Taken" }) })).status).toBe("ok");
    expect(await saveGenerator(deps(), { input: input({ name: "taken" }) })).toEqual({
      status: "invalid",
      fieldErrors: { name: ["Another generator has this name."] },
    });
  });

  it("previews the funnel and a sample marked new or already recorded, and records nothing", async () => {
    const saved = await saveGenerator(deps(), {
      input: input({ name: "preview", group: "pv", conditions: [{ variable: "score", operator: ">", value: "5" }] }),
    });
    if (saved.status !== "ok") throw new Error("save failed");
    const conditions = [
      { variable: "score", operator: ">" as const, value: "1" },
      { variable: "name", operator: "contains" as const, value: "a" },
    ];
    await runJob(deps(), { trigger: "manual" });
    const before = await database.db.select({ n: count() }).from(events);
    const runsBefore = await database.db.select({ n: count() }).from(jobRuns);

    const preview = await previewGenerator(deps(), { source: "code:people", group: "pv", conditions });
    expect(preview).toMatchObject({ candidates: 3, passed: 2, truncated: false });
    expect(preview.funnel).toEqual([
      { condition: "score > 1", passing: 3 },
      { condition: "name contains a", passing: 2 },
    ]);
    expect(preview.sample.map((s) => [s.key, s.recorded])).toEqual([
      ["pv:1", true],
      ["pv:2", false],
    ]);
    expect(await database.db.select({ n: count() }).from(events)).toEqual(before);
    expect(await database.db.select({ n: count() }).from(jobRuns)).toEqual(runsBefore);
  });

  it("tells in the preview why a source cannot run", async () => {
    const preview = await previewGenerator(deps(), { source: "code:ghost", group: "x", conditions: [] });
    expect(preview.error).toBe(
      "No code source is named 'ghost'; it is no longer registered (the demo's sources need SPARK_DEMO on; yours are listed in extensions/).",
    );
  });

  it("saves a SQL source only when its query works, and will not delete one in use", async () => {
    const connections = testConnections(database);
    const bad = await saveSqlSource(testDeps(database, { clock, connections }), {
      input: { name: "bad", description: "", connectionId: SAMPLE_CONNECTION_ID, query: "select 1 as nope" },
    });
    expect(bad).toEqual({
      status: "invalid",
      fieldErrors: {
        query: ["The first column must be named id (it is 'nope'); write SELECT t.id, … so each row has a stable id."],
      },
    });
    const good = await saveSqlSource(testDeps(database, { clock, connections }), {
      input: {
        name: "nums",
        description: "",
        connectionId: SAMPLE_CONNECTION_ID,
        query: "select g as id, g * 2 as twice from generate_series(1, 3) g",
      },
    });
    if (good.status !== "ok") throw new Error("save failed");
    expect(good.source.variables).toEqual({ id: { type: "number" }, twice: { type: "number" } });
    const user = await saveGenerator(deps(), {
      input: input({
        name: "uses sql",
        source: `sql:${good.source.id}`,
        conditions: [{ variable: "twice", operator: ">", value: "2" }],
      }),
    });
    expect(user.status).toBe("ok");
    expect(await deleteSqlSource(deps(), { id: good.source.id })).toEqual({
      status: "in-use",
      generators: ["uses sql"],
    });
    await connections.close();
  });
});
