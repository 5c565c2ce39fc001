import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSamplePool, type SamplePool } from "../connections/sample";
import { sampleImageFor } from "../../testing/connections";
import type { SourceConnection } from "../connections";
import { checkSqlText, streamSqlSource, testSqlSource } from "./sql";

describe("checkSqlText names what keeps a query from being a source", () => {
  const cases: [string, string][] = [
    ["delete from users", "A source must be a SELECT (or WITH … SELECT); it only reads."],
    ["select 1 as id; select 2 as id", "Write a single statement: remove everything after the first ';'."],
    ["with gone as (delete from users returning id) select id from gone", "A source only reads: remove DELETE."],
    ["select id from users for update", "A source only reads: remove the FOR UPDATE/SHARE clause."],
    ["  ", "Write a SELECT whose first column is id."],
  ];
  it.each(cases)("%s", (query, message) => {
    expect(checkSqlText(query)).toBe(message);
  });

  it("accepts a trailing semicolon, comments, and keywords inside strings", () => {
    expect(checkSqlText("select id, 'delete; drop' as note -- update\nfrom users;")).toBeNull();
  });
});

describe("SQL sources read through a connection (the sample database)", () => {
  let pool: SamplePool;
  let connection: SourceConnection;
  beforeAll(async () => {
    const image = sampleImageFor({
      key: "sql.test people",
      setup: async (exec) => {
        await exec(
          "create schema app; create table app.people (id int primary key, name text, born date, score numeric, big bigint, vip boolean, tags jsonb); create sequence app.people_seq",
        );
        await exec(
          `insert into app.people select g, 'p' || g, date '2000-01-01' + g, g * 1.5, 9007199254740993, g % 2 = 0, '["a"]'::jsonb from generate_series(1, 45) g`,
        );
      },
    });
    pool = createSamplePool(await image);
    connection = pool.connection("sample", { timeoutMs: 5_000 });
  });
  afterAll(async () => {
    await pool?.close();
  });

  it("shows the columns with their types and the first 20 rows", async () => {
    const result = await testSqlSource(
      connection,
      "select id, name, born, score, vip, tags from app.people where id > 3 order by id",
    );
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
    const result = await testSqlSource(connection, "select id, big from app.people");
    expect(result.ok && result.rows[0]?.big).toBe("9007199254740993");
  });

  it("refuses a query whose first column is not id", async () => {
    expect(await testSqlSource(connection, "select name, id from app.people")).toEqual({
      ok: false,
      message: "The first column must be named id (it is 'name'); write SELECT t.id, … so each row has a stable id.",
    });
  });

  it("refuses a query that fails, with the database's reason", async () => {
    const result = await testSqlSource(connection, "select id from nowhere");
    expect(result).toEqual({
      ok: false,
      message: expect.stringMatching(/^The query failed: relation "nowhere" does not exist \(line 1, column 16\)/),
      at: { line: 1, column: 16 },
    });
  });

  it("runs read-only, so even a function that writes is refused", async () => {
    const result = await testSqlSource(connection, "select id, nextval('app.people_seq') as n from app.people");
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(/only reads|may not do that/);
  });

  it("streams every row once, in batches, without skipping or repeating one", async () => {
    const pages: string[][] = [];
    for await (const page of streamSqlSource(connection, "select id, name from app.people order by id", {
      batchSize: 10,
    }))
      pages.push(page.map((c) => c.id));
    expect(pages.map((p) => p.length)).toEqual([10, 10, 10, 10, 5]);
    expect(pages.flat()).toEqual(Array.from({ length: 45 }, (_, i) => String(i + 1)));
  });
});
