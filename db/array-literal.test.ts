import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { openTestDatabase, testDriver } from "@/testing/database";
import { arrayLiteral } from "./array-literal";
import { rowsOf } from "./rows";

describe(`array literals on ${testDriver}`, () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it("brings back every text exactly, however it tries to end an element or the array", async () => {
    const texts = [
      '"',
      "\\",
      '\\"',
      "NULL",
      "null",
      "a,b",
      "{x}",
      "}",
      " spaced ",
      "",
      "ünï 🎉",
      "line\nbreak",
      "'; drop table x; --",
    ];
    const values = [...texts, null];
    const result = await database.db.execute(
      sql`select v, ord from unnest(${arrayLiteral(values)}::text[]) with ordinality as u(v, ord) order by ord`,
    );
    expect(rowsOf<{ v: string | null }>(result).map((r) => r.v)).toEqual(values);
  });

  it("carries numbers and nulls, and refuses a number the database cannot hold", async () => {
    const result = await database.db.execute(
      sql`select v from unnest(${arrayLiteral([1, -2, 2 ** 40, null])}::bigint[]) with ordinality as u(v, ord) order by ord`,
    );
    expect(rowsOf<{ v: string | number | null }>(result).map((r) => (r.v === null ? null : Number(r.v)))).toEqual([
      1,
      -2,
      2 ** 40,
      null,
    ]);
    expect(() => arrayLiteral([Number.NaN])).toThrow(RangeError);
  });
});
