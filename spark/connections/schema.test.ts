import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { SAMPLE_CONNECTION_ID } from "@/db/queries/connections";
import { openTestDatabase } from "@/testing/database";
import { sampleImageFor, testConnections } from "@/testing/connections";
import type { Connections } from "./index";
import { qualifiedName, quoteIdentifier } from "./identifiers";
import { readConnectionSchema, SCHEMA_COLUMN_LIMIT, tablesOf } from "./schema";

// A sample image with what the reader must not see (a table in `public`, which the reader may not use)
// and a catalog far larger than the browser lists: 100 tables of 1,000 columns.
const image = sampleImageFor({
  key: "schema-browser",
  setup: async (exec) => {
    await exec("create table public.hidden_secrets (id int primary key, password_hash text)");
    await exec(`create schema wide;
      do $$ begin
        for t in 1..100 loop
          execute format('create table wide.t%s (%s)', lpad(t::text, 3, '0'),
            (select string_agg('c' || g || ' int', ', ') from generate_series(1, 1000) g));
        end loop;
      end $$;`);
  },
});

let spark: Database;
let connections: Connections;

beforeAll(async () => {
  spark = await openTestDatabase();
  connections = testConnections(spark, { image, timeoutMs: 10_000 });
}, 300_000);
afterAll(async () => {
  await connections?.close();
  await spark?.close();
});

describe("the schema browser's read", () => {
  it("lists the sample's tables with their columns in order, and only what its reader may read", async () => {
    const result = await readConnectionSchema({ connections }, { connectionId: SAMPLE_CONNECTION_ID });
    if (!result.ok) throw new Error(result.message);
    const challenges = result.schema.tables.find((t) => t.schema === "demo" && t.name === "challenges");
    expect(challenges?.columns[0]).toEqual({ name: "id", type: expect.any(String) });
    const schemas = new Set(result.schema.tables.map((t) => t.schema));
    expect(schemas.has("public")).toBe(false);
    expect(schemas.has("pg_catalog")).toBe(false);
    expect(schemas.has("information_schema")).toBe(false);
    expect(JSON.stringify(result)).not.toContain("hidden_secrets");
  });

  it("stops at the column limit on a catalog of 100,000 columns, says so, and answers quickly", async () => {
    const started = Date.now();
    const result = await readConnectionSchema({ connections }, { connectionId: SAMPLE_CONNECTION_ID });
    if (!result.ok) throw new Error(result.message);
    const columns = result.schema.tables.reduce((n, t) => n + t.columns.length, 0);
    expect(columns).toBe(SCHEMA_COLUMN_LIMIT);
    expect(result.schema.truncated).toBe(true);
    expect(JSON.stringify(result).length).toBeLessThan(200_000);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("says why when the connection does not exist", async () => {
    expect(
      await readConnectionSchema({ connections }, { connectionId: "7d3f1b2e-0000-4000-8000-000000000000" }),
    ).toEqual({ ok: false, message: expect.stringMatching(/deleted/) });
  });
});

describe("tablesOf", () => {
  it("groups rows into tables in their order and marks a cut list", () => {
    const row = (t: string, c: string) => ({ schema_name: "s", table_name: t, column_name: c, data_type: "integer" });
    expect(tablesOf([row("a", "id"), row("a", "x"), row("b", "id")])).toEqual({
      tables: [
        {
          schema: "s",
          name: "a",
          columns: [
            { name: "id", type: "integer" },
            { name: "x", type: "integer" },
          ],
        },
        { schema: "s", name: "b", columns: [{ name: "id", type: "integer" }] },
      ],
      truncated: false,
    });
    const many = Array.from({ length: SCHEMA_COLUMN_LIMIT + 1 }, (_, i) => row("a", `c${i}`));
    expect(tablesOf(many).truncated).toBe(true);
  });
});

describe("quoteIdentifier", () => {
  it("leaves plain names bare and quotes the rest for each kind", () => {
    expect(quoteIdentifier("postgres", "challenges")).toBe("challenges");
    expect(quoteIdentifier("sample", "Mixed Case")).toBe('"Mixed Case"');
    expect(quoteIdentifier("postgres", "order")).toBe('"order"');
    expect(quoteIdentifier("postgres", 'a"b')).toBe('"a""b"');
    expect(quoteIdentifier("mysql", "Items")).toBe("Items");
    expect(quoteIdentifier("mysql", "my-table")).toBe("`my-table`");
    expect(quoteIdentifier("mysql", "a`b")).toBe("`a``b`");
    expect(qualifiedName("sample", "demo", "challenges")).toBe("demo.challenges");
  });
});
