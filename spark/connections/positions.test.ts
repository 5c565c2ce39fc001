import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleImageFor } from "@/testing/connections";
import { testSqlSource, streamSqlSource } from "../sources/sql";
import { mysqlErrorPosition } from "./mysql";
import { createSamplePool, type SamplePool } from "./sample";
import { asBoundedSubquery, BOUNDED_HEAD, CURSOR_HEAD, positionInQuery, type SourceConnection } from "./types";

/** The 1-based position PostgreSQL reports for the first occurrence of `needle` in what Spark sent. */
const positionOf = (sent: string, needle: string) => Array.from(sent.slice(0, sent.indexOf(needle))).length + 1;

describe("positionInQuery", () => {
  it("takes Spark's wrapping off: an offset into the bounded subquery is a line and column of the operator's text", () => {
    const query = "select id,\n  title\nform demo.challenges";
    const sent = asBoundedSubquery(query);
    expect(positionInQuery(query, BOUNDED_HEAD, positionOf(sent, "form"))).toEqual({ line: 3, column: 1 });
    expect(positionInQuery(query, BOUNDED_HEAD, positionOf(sent, "title"))).toEqual({ line: 2, column: 3 });
  });

  it("puts back the leading blank lines and spaces that Spark trims", () => {
    const query = "\n\n   select id frm x";
    const sent = asBoundedSubquery(query);
    expect(positionInQuery(query, BOUNDED_HEAD, positionOf(sent, "x"))).toEqual({ line: 3, column: 18 });
  });

  it("counts characters as the server does, so an emoji before the error is one column", () => {
    const query = "select '🎉' as id, bad(";
    const sent = asBoundedSubquery(query);
    expect(positionInQuery(query, BOUNDED_HEAD, Array.from(sent).indexOf("b") + 1)).toEqual({
      line: 1,
      column: 19,
    });
  });

  it("points an error past the end (an unfinished query) at its end, and one in Spark's head nowhere", () => {
    const query = "select id from";
    const sent = asBoundedSubquery(query);
    expect(positionInQuery(query, BOUNDED_HEAD, positionOf(sent, "\n) as spark_source"))).toEqual({
      line: 1,
      column: 15,
    });
    expect(positionInQuery(query, BOUNDED_HEAD, 3)).toBeNull();
    expect(positionInQuery(query, BOUNDED_HEAD, Number.NaN)).toBeNull();
  });

  it("counts the cursor's head too when a pass streams the query", () => {
    const query = "select id\nfrom nowhere_at_all";
    const sent = `${CURSOR_HEAD}${asBoundedSubquery(query)}`;
    expect(positionInQuery(query, CURSOR_HEAD + BOUNDED_HEAD, positionOf(sent, "nowhere"))).toEqual({
      line: 2,
      column: 6,
    });
  });
});

describe("mysqlErrorPosition", () => {
  const parseError = (near: string, line: number) =>
    `You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '${near}' at line ${line}`;

  it("finds the quoted text on the line MySQL names, with the trimmed leading lines put back", () => {
    expect(
      mysqlErrorPosition("\nselect id,\n  title\nform items", parseError("form items\n) as spark_source", 3)),
    ).toEqual({
      line: 4,
      column: 1,
    });
    expect(mysqlErrorPosition("  select id frm items", parseError("items\n) as spark_source", 1))).toEqual({
      line: 1,
      column: 17,
    });
  });

  it("says nothing for another kind of error", () => {
    expect(mysqlErrorPosition("select 1", "Unknown column 'x' in 'field list'")).toBeNull();
  });
});

describe("a ConnectionError from another copy of the module", () => {
  it("keeps its message and place: the server bundles the engine and its actions apart", async () => {
    // What the server action sees: the engine's class, not the one this module imported.
    class ConnectionError extends Error {
      override name = "ConnectionError";
      at = { line: 2, column: 5 };
    }
    const connection = {
      kind: "sample",
      name: "copy",
      head: async () => {
        throw new ConnectionError('The query failed: syntax error at or near "x" (line 2, column 5).');
      },
    } as unknown as SourceConnection;
    expect(await testSqlSource(connection, "select id\nfrom x x x")).toEqual({
      ok: false,
      message: 'The query failed: syntax error at or near "x" (line 2, column 5).',
      at: { line: 2, column: 5 },
    });
  });
});

describe("syntax errors from the sample database", () => {
  let pool: SamplePool;
  beforeAll(async () => {
    pool = createSamplePool(await sampleImageFor());
  }, 120_000);
  afterAll(async () => {
    await pool?.close();
  });

  it("Test query names the line and column of the mistake in the operator's text", async () => {
    const connection = pool.connection("sample", { timeoutMs: 10_000 });
    const result = await testSqlSource(connection, "select c.id,\n  c.title\nfrom demo.challenges c\n  wehre c.id > 1");
    expect(result).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^The query failed: syntax error at or near "wehre" \(line 4, column 3\)\.$/),
      at: { line: 4, column: 3 },
    });
    const missing = await testSqlSource(connection, "select id,\n  nope\nfrom demo.challenges");
    expect(missing).toMatchObject({ ok: false, at: { line: 2, column: 3 } });
  });

  it("a pass's read names the same place", async () => {
    const connection = pool.connection("sample", { timeoutMs: 10_000 });
    const read = async () => {
      for await (const batch of streamSqlSource(connection, "select id\nfrom demo.challenges\nwhere nope", {
        batchSize: 10,
      }))
        void batch;
    };
    await expect(read()).rejects.toThrow(/\(line 3, column 7\)/);
  });
});
