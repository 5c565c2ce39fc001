import { count } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { generators, sqlSources } from "@/db/schema";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import { demoSources } from "@/demo";
import { generatorInput, saveGenerator } from "./generators";
import { saveSqlSource, sqlSourceInput } from "../sources/sql-sources";
import { SAMPLE_CONNECTION_ID } from "@/db/queries/connections";
import type { Connections } from "../connections";
import { testConnections } from "../../testing/connections";

// Table-driven: each input is refused with a message that says what to fix, and nothing is written.
describe(`bad input at the generator and SQL source boundaries on ${testDriver}`, () => {
  let database: Database;
  let connections: Connections;
  const clock = () => new Date("2030-01-01T00:00:00Z");
  beforeAll(async () => {
    database = await openTestDatabase();
    // The demo tables live in the sample database, which SQL sources read.
    connections = testConnections(database);
  });
  afterAll(async () => {
    await connections?.close();
    await database?.close();
  });

  const counts = async () => ({
    generators: (await database.db.select({ n: count() }).from(generators))[0]!.n,
    sqlSources: (await database.db.select({ n: count() }).from(sqlSources))[0]!.n,
  });

  const valid = { name: "g", group: "ok_group", source: "code:challenges", conditions: [] as unknown[], active: true };
  const generatorCases: { name: string; input: unknown; field: string; message: RegExp }[] = [
    { name: "a group with a space", input: { ...valid, group: "two words" }, field: "group", message: /no spaces/ },
    {
      name: "a group with unicode letters",
      input: { ...valid, group: "café_créé" },
      field: "group",
      message: /letters, digits/,
    },
    {
      name: "a group of 101 characters",
      input: { ...valid, group: "g".repeat(101) },
      field: "group",
      message: /at most 100/,
    },
    { name: "an empty group", input: { ...valid, group: "   " }, field: "group", message: /Enter an event group/ },
    {
      name: "a name of only spaces",
      input: { ...valid, name: " \u00a0 " },
      field: "name",
      message: /Give the generator a name/,
    },
    {
      name: "a name of 10,000 characters",
      input: { ...valid, name: "n".repeat(10_000) },
      field: "name",
      message: /at most 100/,
    },
    {
      name: "a number where text belongs",
      input: { ...valid, name: 42 },
      field: "name",
      message: /expected string|Invalid input/i,
    },
    { name: "no source", input: { ...valid, source: "" }, field: "source", message: /Choose a source/ },
    {
      name: "an unknown operator",
      input: { ...valid, conditions: [{ variable: "x", operator: "~=", value: "1" }] },
      field: "conditions.0.operator",
      message: /Choose an operator/,
    },
    {
      name: "51 conditions",
      input: { ...valid, conditions: Array.from({ length: 51 }, () => ({ variable: "x", operator: "=", value: "1" })) },
      field: "conditions",
      message: /at most 50/,
    },
    {
      name: "a missing active flag",
      input: { name: "g", group: "g", source: "code:challenges", conditions: [] },
      field: "active",
      message: /expected boolean|Invalid input/i,
    },
  ];

  for (const c of generatorCases) {
    it(`refuses a generator with ${c.name}`, () => {
      const parsed = generatorInput.safeParse(c.input);
      expect(parsed.success).toBe(false);
      const issue = parsed.error!.issues.find((i) => i.path.join(".") === c.field);
      expect(issue?.message, JSON.stringify(parsed.error!.issues)).toMatch(c.message);
    });
  }

  const serviceCases: {
    name: string;
    input: Partial<typeof valid> & { conditions?: unknown[] };
    field: string;
    message: string;
  }[] = [
    {
      name: "a source that does not exist",
      input: { source: "code:nope" },
      field: "source",
      message: "Choose one of the listed sources.",
    },
    {
      name: "a variable the source lacks",
      input: { conditions: [{ variable: "nope", operator: "=", value: "1" }] },
      field: "conditions.0.variable",
      message: "The source has no variable 'nope'.",
    },
    {
      name: "text where a number belongs",
      input: { conditions: [{ variable: "donation_count", operator: ">", value: "two" }] },
      field: "conditions.0.value",
      message: "'two' is not a number.",
    },
    {
      name: "'contains' on a number",
      input: { conditions: [{ variable: "donation_count", operator: "contains", value: "1" }] },
      field: "conditions.0.operator",
      message: "'contains' does not apply to a number; use one of >, <, >=, <=, =, !=, is empty, is not empty.",
    },
    {
      name: "a date that does not parse",
      input: { conditions: [{ variable: "ends_at", operator: "<", value: "next tuesday" }] },
      field: "conditions.0.value",
      message: "'next tuesday' is not a date; write it like 2026-01-31 or 2026-01-31T09:00:00Z.",
    },
    {
      name: "a boolean spelled oddly",
      input: { conditions: [{ variable: "has_ended", operator: "=", value: "maybe" }] },
      field: "conditions.0.value",
      message: "'maybe' is not true or false.",
    },
  ];

  for (const c of serviceCases) {
    it(`refuses to save a generator with ${c.name} and writes nothing`, async () => {
      const before = await counts();
      const result = await saveGenerator(testDeps(database, { clock, sources: demoSources }), {
        input: generatorInput.parse({ ...valid, ...c.input }),
      });
      expect(result).toEqual({ status: "invalid", fieldErrors: { [c.field]: [c.message] } });
      expect(await counts()).toEqual(before);
    });
  }

  const sqlCases: { name: string; query: string; message: RegExp }[] = [
    { name: "DML", query: "delete from demo.challenges", message: /must be a SELECT/ },
    { name: "two statements", query: "select 1 as id; select 2 as id", message: /single statement/ },
    {
      name: "a data-modifying CTE",
      query: "with gone as (delete from demo.donations returning id) select id from gone",
      message: /only reads: remove DELETE/,
    },
    { name: "SELECT … FOR UPDATE", query: "select id from demo.challenges for update", message: /FOR UPDATE/ },
    { name: "no id column", query: "select title from demo.challenges", message: /first column must be named id/ },
    { name: "a syntax error", query: "select id, from demo.challenges", message: /The query failed: syntax error/ },
    {
      name: "a table that does not exist",
      query: "select id from nowhere",
      message: /The query failed: relation "nowhere" does not exist/,
    },
    {
      name: "a write hidden in a function call",
      query: "select 1 as id, nextval('demo.challenges_id_seq')",
      message: /only reads, and this query tried to write|may not do that: permission denied for sequence/,
    },
  ];

  for (const c of sqlCases) {
    it(`refuses a SQL source with ${c.name} and writes nothing`, async () => {
      const before = await counts();
      const result = await saveSqlSource(testDeps(database, { clock, connections, sources: demoSources }), {
        input: sqlSourceInput.parse({
          name: "bad",
          description: "",
          connectionId: SAMPLE_CONNECTION_ID,
          query: c.query,
        }),
      });
      expect(result.status).toBe("invalid");
      expect(result.status === "invalid" ? result.fieldErrors.query?.[0] : "").toMatch(c.message);
      expect(await counts()).toEqual(before);
    });
  }

  it("refuses SQL source names and oversized queries before running anything", () => {
    expect(
      sqlSourceInput.safeParse({
        name: "Has Caps",
        description: "",
        connectionId: SAMPLE_CONNECTION_ID,
        query: "select 1 as id",
      }).error?.issues[0]?.message,
    ).toMatch(/lowercase/);
    expect(
      sqlSourceInput.safeParse({
        name: "ok",
        description: "",
        connectionId: SAMPLE_CONNECTION_ID,
        query: `select 1 as id -- ${"x".repeat(20_000)}`,
      }).error?.issues[0]?.message,
    ).toMatch(/under 20,000/);
    expect(
      sqlSourceInput.safeParse({
        name: "ok",
        description: "d".repeat(501),
        connectionId: SAMPLE_CONNECTION_ID,
        query: "select 1 as id",
      }).error?.issues[0]?.message,
    ).toMatch(/at most 500/);
  });
});
