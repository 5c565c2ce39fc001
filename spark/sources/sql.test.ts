import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { openTestDatabase, testDriver } from "@/db/test-database";
import { checkSqlText, pageSqlSource, testSqlSource } from "./sql";

describe("checkSqlText names what keeps a query from being a source", () => {
  const cases: [string, string][] = [
    ["delete from users", "A source must be a SELECT (or WITH … SELECT); it only reads."],
    ["select 1 as id; select 2 as id", "Write a single statement: remove everything after the first ';'."],
    ["with gone as (delete from users returning id) select id from gone", "A source only reads: remove DELETE."],
    ["select id from users for update", "A source only reads: remove the FOR UPDATE/SHARE clause."],
    ["  ", "Write a SELECT whose first column is id."],
  ];
  it.each(cases)("%s", (query, message) => {
    expect(checkSqlText(query, "postgres")).toBe(message);
  });

  it("accepts a trailing semicolon, comments, and keywords inside strings", () => {
    expect(checkSqlText("select id, 'delete; drop' as note -- update\nfrom users;", "postgres")).toBeNull();
  });

  it("refuses what the embedded database could not stop", () => {
    expect(checkSqlText("with recursive t(id) as (select 1 union all select id + 1 from t) select id from t", "pglite")).toMatch(/refuses WITH RECURSIVE/);
    expect(checkSqlText("select 1 as id, pg_sleep(100)", "pglite")).toMatch(/refuses pg_sleep/);
  });
});

describe(`SQL sources on ${testDriver}`, () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
    await database.db.execute(sql`create table people (id int primary key, name text, born date, score numeric, big bigint, vip boolean, tags jsonb)`);
    await database.db.execute(sql`create sequence people_seq`);
    await database.db.execute(
      sql`insert into people select g, 'p' || g, date '2000-01-01' + g, g * 1.5, 9007199254740993, g % 2 = 0, '["a"]'::jsonb from generate_series(1, 45) g`,
    );
  });
  afterAll(async () => {
    await database?.close();
  });

  it("shows the columns with their types and the first 20 rows", async () => {
    const result = await testSqlSource(database, "select id, name, born, score, vip, tags from people where id > 3");
    if (!result.ok) throw new Error(result.message);
    expect(result.variables).toEqual({
      id: { type: "number" },
      name: { type: "string" },
      born: { type: "timestamp" },
      score: { type: "number" },
      vip: { type: "boolean" },
      tags: { type: "json" },
    });
    expect(result.rows).toHaveLength(20);
    expect(result.rows[0]).toMatchObject({ id: 4, name: "p4", score: 6, vip: true, tags: ["a"] });
  });

  it("keeps an int8 beyond 2^53 exact, as a string", async () => {
    const result = await testSqlSource(database, "select id, big from people");
    expect(result.ok && result.rows[0]?.big).toBe("9007199254740993");
  });

  it("refuses a query whose first column is not id", async () => {
    expect(await testSqlSource(database, "select name, id from people")).toEqual({
      ok: false,
      message: "The first column must be named id (it is 'name'); write SELECT t.id, … so each row has a stable id.",
    });
  });

  it("refuses a query that fails, with Postgres' reason", async () => {
    const result = await testSqlSource(database, "select id from nowhere");
    expect(result).toEqual({ ok: false, message: expect.stringMatching(/^The query failed: relation "nowhere" does not exist/) });
  });

  it("runs read-only, so even a function that writes is refused", async () => {
    const result = await testSqlSource(database, "select id, nextval('people_seq') as n from people");
    expect(result).toEqual({ ok: false, message: "A source only reads, and this query tried to write." });
  });

  it("refuses a data-modifying statement at the transaction itself, beneath the text check", async () => {
    const error = await database.readOnly(1000, (run) => run("with gone as (delete from people returning id) select id from gone")).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "25006" });
    const count = await database.readOnly(1000, (run) => run("select count(*)::int as n from people"));
    expect(count.rows).toEqual([{ n: 45 }]);
  });

  it("pages by keyset on id without skipping or repeating a row", async () => {
    const pages: string[][] = [];
    for await (const page of pageSqlSource(database, "select id, name from people", { pageSize: 10 })) pages.push(page.map((c) => c.id));
    expect(pages.map((p) => p.length)).toEqual([10, 10, 10, 10, 5]);
    expect(pages.flat()).toEqual(Array.from({ length: 45 }, (_, i) => String(i + 1)));
  });

  it.runIf(testDriver === "postgres")("stops a query that runs past the statement timeout", async () => {
    const result = await testSqlSource(database, "select id from people, pg_sleep(2)", { timeoutMs: 300, maxPgliteCost: 1 });
    expect(result).toEqual({ ok: false, message: "The query ran longer than 0.3 s and was stopped; make it cheaper (an index, a narrower WHERE)." });
  });

  it.runIf(testDriver === "pglite")("refuses, before running it, a query too costly for the embedded database", async () => {
    const result = await testSqlSource(database, "select g as id from generate_series(1, 1000000000) g", { timeoutMs: 1000, maxPgliteCost: 500_000 });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(/^The query's estimated cost \([\d,]+\) is above what the embedded database will run \(500,000\)/);
  });
});
