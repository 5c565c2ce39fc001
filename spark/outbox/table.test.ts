import { describe, expect, it } from "vitest";
import { outboxTable, outboxTableName, parseOutboxRow, readStatement } from "./table";

describe("outbox table names", () => {
  it.each([
    "orders; drop table x",
    '"x"--',
    "`x`",
    "x` ; drop table y; --",
    "a.b.c",
    "orders where 1=1",
    "orders--",
    "1orders",
    "or ders",
    "orders\u0000",
    "x".repeat(64),
    "",
  ])("refuses %j before any query", (name) => {
    expect(outboxTableName.safeParse(name).success).toBe(false);
    expect(() => outboxTable("postgres", name)).toThrow();
    expect(() => outboxTable("mysql", name)).toThrow();
  });

  it("quotes reserved words, capitals and schema-qualified names for each dialect", () => {
    expect(outboxTable("postgres", "spark_outbox").sql).toBe("spark_outbox");
    expect(outboxTable("postgres", "order").sql).toBe('"order"');
    expect(outboxTable("postgres", "App.Outbox").sql).toBe('"App"."Outbox"');
    expect(outboxTable("sample", "public.group")).toMatchObject({
      schema: "public",
      name: "group",
      sql: 'public."group"',
    });
    expect(outboxTable("mysql", "order").sql).toBe("`order`");
    expect(outboxTable("mysql", "shop.spark_outbox")).toMatchObject({ schema: "shop", sql: "shop.spark_outbox" });
  });

  it("passes ids as parameters and nothing of the operator's but the quoted table", () => {
    const gaps = [
      { from: 3, to: 4, seenAt: "" },
      { from: 9, to: 9, seenAt: "" },
    ];
    const pg = readStatement(outboxTable("postgres", "order"), { after: 2, ranges: gaps, limit: 500 });
    expect(pg.params).toEqual([2, 3, 4, 9, 9]);
    expect(pg.text).toContain(
      'from "order" where id > $1 and (id between $2 and $3 or id between $4 and $5) order by id limit 500',
    );
    const my = readStatement(outboxTable("mysql", "order"), { after: 7, limit: 10 });
    expect(my.params).toEqual([7]);
    expect(my.text).toContain("from `order` where id > ? order by id limit 10");
  });
});

describe("outbox rows", () => {
  it("turns a row into an event, from a JSON text or an object context", () => {
    expect(
      parseOutboxRow({ id: "5", event_group: "a.b", event_key: "k-1", context: '{"x": 1}', context_bytes: 8 }),
    ).toMatchObject({
      id: 5,
      problem: null,
      event: { group: "a.b", key: "k-1", context: { x: 1 } },
    });
    expect(parseOutboxRow({ id: 6, event_group: "a", event_key: "k", context: { y: [1] } }).event?.context).toEqual({
      y: [1],
    });
    expect(parseOutboxRow({ id: 7, event_group: "a", event_key: "k", context: null }).event?.context).toEqual({});
  });

  it("says what is wrong with a bad row instead of recording it", () => {
    const bad = (row: Record<string, unknown>) =>
      parseOutboxRow({ id: 1, event_group: "g", event_key: "k", ...row }).problem;
    expect(bad({ context: "{not json" })).toBe("context is not valid JSON.");
    expect(bad({ context: '{"a": "\\u0000"}' })).toMatch(/NUL/);
    expect(bad({ context: '{"a": "\\ud800"}' })).toMatch(/lone UTF-16 surrogates/);
    expect(bad({ event_key: "nul\u0000key" })).toMatch(/control characters/);
    expect(bad({ event_key: null })).toMatch(/key must be a string/);
    expect(bad({ context: null, context_bytes: 300_000 })).toMatch(/context is 293 KiB; at most 256 KiB/);
  });

  it("stops on an id that is not a whole number Spark can hold", () => {
    expect(() => parseOutboxRow({ id: "9007199254740993", event_group: "g", event_key: "k" })).toThrow(/up to 2\^53/);
    expect(() => parseOutboxRow({ id: "abc", event_group: "g", event_key: "k" })).toThrow(/integer column/);
  });
});
