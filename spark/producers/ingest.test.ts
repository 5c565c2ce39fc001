import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { rowsOf } from "@/db/rows";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import type { Handler } from "../events/handlers";
import { templateInput } from "../mail/templates";
import { saveTemplate } from "../mail/templates";
import { apiSourceOf, ingestEvents, itemsOfBody, type IngestResult } from "./ingest";

const KEY_ID = "00000000-0000-4000-8000-0000000000a1";
let seq = 0;
const unique = (prefix: string) => `${prefix}-${++seq}`;

describe(`ingesting events from producers on ${testDriver}`, () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  const ingest = (items: unknown[], handlers: Handler[] = []) =>
    ingestEvents(testDeps(database, { handlers }), { items, source: apiSourceOf(KEY_ID) });
  const stored = async (keys: string[]) =>
    rowsOf<{ key: string; event_group: string; source: string; aggregate_version: number | null; context: unknown }>(
      await database.db.execute(
        sql`select key, event_group, source, aggregate_version, context from events where key in ${keys} order by id`,
      ),
    );
  const statuses = (results: IngestResult[]) => results.map((r) => r.status);

  it("answers one result per item, in order, for a mixed batch, and records only the good ones", async () => {
    const [a, b, c] = [unique("mixed"), unique("mixed"), unique("mixed")];
    await ingest([{ group: "signup", key: c }]);
    const results = await ingest([
      { group: "signup", key: a, context: { user: { email: "a@example.com" } } },
      { group: "not a group", key: unique("bad") },
      { group: "signup", key: a },
      { group: "signup", key: b },
      { group: "signup", key: c },
      "not an object",
    ]);
    expect(statuses(results)).toEqual(["recorded", "invalid", "duplicate", "recorded", "duplicate", "invalid"]);
    expect(results[1]).toMatchObject({ message: expect.stringContaining("group must be") });
    expect(results[5]).toMatchObject({ key: null, message: expect.stringContaining("JSON object") });
    const rows = await stored([a, b, c]);
    expect(rows.map((r) => r.key)).toEqual([c, a, b]);
    expect(rows[1]).toMatchObject({ source: `api:${KEY_ID}`, context: { user: { email: "a@example.com" } } });
  });

  it("writes what a caller asks alongside in the events' own transaction, with every item's result, or nothing", async () => {
    const [a, b] = [unique("along"), unique("along")];
    const seen: string[][] = [];
    const deps = testDeps(database);
    const results = await ingestEvents(deps, {
      items: [
        { group: "signup", key: a },
        { group: "bad group", key: "x" },
      ],
      source: apiSourceOf(KEY_ID),
      alongside: async (tx, all) => {
        seen.push(statuses(all));
        await tx.execute(
          sql`insert into events (event_group, key, context) values ('along', ${`${a}:alongside`}, '{}')`,
        );
      },
    });
    expect(statuses(results)).toEqual(["recorded", "invalid"]);
    expect(seen).toEqual([["recorded", "invalid"]]);
    expect((await stored([a, `${a}:alongside`])).map((r) => r.key)).toEqual([a, `${a}:alongside`]);
    // A failure alongside takes the events with it: the caller may send the batch again.
    await expect(
      ingestEvents(deps, {
        items: [{ group: "signup", key: b }],
        source: apiSourceOf(KEY_ID),
        alongside: async () => {
          throw new Error("the counts could not be written");
        },
      }),
    ).rejects.toThrow("the counts could not be written");
    expect(await stored([b])).toEqual([]);
  });

  it("changes nothing when the same batch comes again: every item is a duplicate", async () => {
    const batch = Array.from({ length: 50 }, (_, i) => ({ group: "order", key: `again-${i}`, context: { i } }));
    expect(new Set(statuses(await ingest(batch)))).toEqual(new Set(["recorded"]));
    expect(new Set(statuses(await ingest(batch)))).toEqual(new Set(["duplicate"]));
    expect(await stored(batch.map((e) => e.key))).toHaveLength(50);
  });

  it("records each key once when two producers race on the same keys in opposite orders", async () => {
    const batch = Array.from({ length: 200 }, (_, i) => ({ group: "race", key: `race-${i}` }));
    const [one, two] = await Promise.all([ingest(batch), ingest([...batch].reverse())]);
    const recordedBy = new Map<string, number>();
    for (const result of [...one, ...two])
      if (result.status === "recorded") recordedBy.set(result.key, (recordedBy.get(result.key) ?? 0) + 1);
    expect(recordedBy.size).toBe(200);
    expect([...recordedBy.values()].every((n) => n === 1)).toBe(true);
    expect([...one, ...two].every((r) => r.status === "recorded" || r.status === "duplicate")).toBe(true);
    expect(await stored(batch.map((e) => e.key))).toHaveLength(200);
  });

  it("appends to an aggregate's stream with consecutive versions, in request order", async () => {
    const id = unique("order");
    const results = await ingest([
      { group: "order.created", key: `${id}:1`, aggregate: { type: "order", id } },
      { group: "note", key: unique("standalone") },
      { group: "order.paid", key: `${id}:2`, aggregate: { type: "order", id } },
    ]);
    expect(results[0]).toMatchObject({ status: "recorded", aggregate: { type: "order", id, version: 1 } });
    expect(results[1]).toMatchObject({ status: "recorded" });
    expect(results[2]).toMatchObject({ status: "recorded", aggregate: { version: 2 } });
    const next = await ingest([
      { group: "order.shipped", key: `${id}:3`, aggregate: { type: "order", id, expectedVersion: 2 } },
    ]);
    expect(next[0]).toMatchObject({ status: "recorded", aggregate: { version: 3 } });
    expect((await stored([`${id}:1`, `${id}:2`, `${id}:3`])).map((r) => r.aggregate_version)).toEqual([1, 2, 3]);
  });

  it("refuses a stale expectedVersion with the current version, recording nothing of that aggregate", async () => {
    const id = unique("cart");
    await ingest([{ group: "cart.opened", key: `${id}:1`, aggregate: { type: "cart", id, expectedVersion: 0 } }]);
    const other = unique("standalone");
    const results = await ingest([
      { group: "cart.item", key: `${id}:2`, aggregate: { type: "cart", id, expectedVersion: 0 } },
      { group: "cart.item", key: `${id}:3`, aggregate: { type: "cart", id } },
      { group: "note", key: other },
    ]);
    expect(results[0]).toMatchObject({ status: "conflict", currentVersion: 1 });
    expect(results[0]).toMatchObject({ message: expect.stringContaining("expectedVersion 1") });
    expect(results[1]).toMatchObject({ status: "conflict", currentVersion: 1 });
    expect(results[2]).toMatchObject({ status: "recorded" });
    expect((await stored([`${id}:1`, `${id}:2`, `${id}:3`])).map((r) => r.key)).toEqual([`${id}:1`]);
  });

  it("checks expectedVersion on later items of one aggregate against their place in the request", async () => {
    const id = unique("doc");
    const wrong = await ingest([
      { group: "doc", key: `${id}:1`, aggregate: { type: "doc", id, expectedVersion: 0 } },
      { group: "doc", key: `${id}:2`, aggregate: { type: "doc", id, expectedVersion: 5 } },
    ]);
    expect(statuses(wrong)).toEqual(["conflict", "conflict"]);
    const right = await ingest([
      { group: "doc", key: `${id}:1`, aggregate: { type: "doc", id, expectedVersion: 0 } },
      { group: "doc", key: `${id}:2`, aggregate: { type: "doc", id, expectedVersion: 1 } },
    ]);
    expect(statuses(right)).toEqual(["recorded", "recorded"]);
  });

  it("lets exactly one of many concurrent appenders with the same expectedVersion win", async () => {
    const id = unique("race-stream");
    await ingest([{ group: "stream", key: `${id}:base`, aggregate: { type: "acct", id } }]);
    const attempts = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        ingest([
          { group: "stream", key: `${id}:try-${i}:a`, aggregate: { type: "acct", id, expectedVersion: 1 } },
          { group: "stream", key: `${id}:try-${i}:b`, aggregate: { type: "acct", id } },
        ]),
      ),
    );
    const winners = attempts.filter((r) => r.every((x) => x.status === "recorded"));
    expect(winners).toHaveLength(1);
    expect(attempts.filter((r) => r.every((x) => x.status === "conflict"))).toHaveLength(7);
    const versions = rowsOf<{ v: number }>(
      await database.db.execute(
        sql`select aggregate_version as v from events where aggregate_type = 'acct' and aggregate_id = ${id} order by 1`,
      ),
    ).map((r) => r.v);
    expect(versions).toEqual([1, 2, 3]);
  });

  it("answers a retried append as duplicate, not conflict, even though the stream moved on", async () => {
    const id = unique("retry");
    const request = [
      { group: "r", key: `${id}:1`, aggregate: { type: "r", id, expectedVersion: 0 } },
      { group: "r", key: `${id}:2`, aggregate: { type: "r", id, expectedVersion: 1 } },
    ];
    expect(statuses(await ingest(request))).toEqual(["recorded", "recorded"]);
    expect(statuses(await ingest(request))).toEqual(["duplicate", "duplicate"]);
  });

  it("holds back an aggregate's other items when one of them is invalid", async () => {
    const id = unique("held");
    const results = await ingest([
      { group: "h", key: `${id}:1`, aggregate: { type: "h", id } },
      { group: "h", key: `${id}:2`, aggregate: { type: "h", id }, context: "not an object" },
    ]);
    expect(statuses(results)).toEqual(["invalid", "invalid"]);
    expect(results[0]).toMatchObject({ message: expect.stringContaining("Item 1") });
    expect(await stored([`${id}:1`])).toEqual([]);
  });

  it("reports a failing handler per item and keeps nothing of that event, or of its aggregate", async () => {
    const failing: Handler = {
      name: "picky",
      group: /^picky$/,
      handle(event) {
        if (event.key.endsWith(":bad")) throw new Error("refuses bad keys");
      },
    };
    const id = unique("picky");
    const results = await ingest(
      [
        { group: "picky", key: `${id}:ok` },
        { group: "picky", key: `${id}:bad` },
        { group: "picky", key: `${id}:s1`, aggregate: { type: "p", id } },
        { group: "picky", key: `${id}:s2:bad`, aggregate: { type: "p", id } },
      ],
      [failing],
    );
    expect(statuses(results)).toEqual(["recorded", "failed", "failed", "failed"]);
    expect(results[1]).toMatchObject({ message: 'The handler "picky" failed: refuses bad keys' });
    expect(results[2]).toMatchObject({ message: expect.stringContaining("of the same aggregate") });
    expect((await stored([`${id}:ok`, `${id}:bad`, `${id}:s1`, `${id}:s2:bad`])).map((r) => r.key)).toEqual([
      `${id}:ok`,
    ]);
    // The stream did not move: the next append starts at version 1.
    const after = await ingest(
      [{ group: "picky", key: `${id}:s3`, aggregate: { type: "p", id, expectedVersion: 0 } }],
      [failing],
    );
    expect(after[0]).toMatchObject({ status: "recorded", aggregate: { version: 1 } });
  });

  it("keeps the other aggregates of a request when a handler fails on one of them", async () => {
    const failing: Handler = {
      name: "picky",
      group: /^batch$/,
      handle(event) {
        if (event.key.endsWith(":bad")) throw new Error("refuses bad keys");
      },
    };
    const id = unique("agg");
    const results = await ingest(
      [
        { group: "batch", key: `${id}:a1`, aggregate: { type: "a", id } },
        { group: "batch", key: `${id}:b1:bad`, aggregate: { type: "b", id } },
        { group: "batch", key: `${id}:a2`, aggregate: { type: "a", id } },
        { group: "batch", key: `${id}:b2`, aggregate: { type: "b", id } },
        { group: "batch", key: `${id}:c1`, aggregate: { type: "c", id } },
      ],
      [failing],
    );
    expect(statuses(results)).toEqual(["recorded", "failed", "recorded", "failed", "recorded"]);
    expect(results.map((r) => (r.status === "recorded" ? r.aggregate?.version : null))).toEqual([1, null, 2, null, 1]);
    expect((await stored([`${id}:a1`, `${id}:a2`, `${id}:b1:bad`, `${id}:b2`, `${id}:c1`])).map((r) => r.key)).toEqual([
      `${id}:a1`,
      `${id}:a2`,
      `${id}:c1`,
    ]);
  });

  it("queues mail for ingested events in the same transaction, as for generated ones", async () => {
    const deps = testDeps(database);
    const saved = await saveTemplate(deps, {
      input: templateInput.parse({
        name: "Ingested welcome",
        group: "ingested.signup",
        active: true,
        from: "",
        to: "{{ email }}",
        cc: "",
        bcc: "",
        replyTo: "",
        subject: "Hi",
        html: "<p>Hello</p>",
        text: "",
      }),
      by: null,
    });
    expect(saved.status).toBe("ok");
    const key = unique("welcome");
    const [result] = await ingest([{ group: "ingested.signup", key, context: { email: "x@example.com" } }]);
    expect(result).toMatchObject({ status: "recorded" });
    const queued = rowsOf<{ n: number }>(
      await database.db.execute(
        sql`select count(*)::int as n from mail_outbox o join events e on e.id = o.event_id where e.key = ${key}`,
      ),
    );
    expect(queued[0]!.n).toBe(1);
  });

  it("refuses bad input at every field as invalid, with what to fix, and records none of it", async () => {
    let deep: unknown = "bottom";
    for (let i = 0; i < 40; i++) deep = { d: deep };
    const bad: [unknown, string][] = [
      [{ key: "k1" }, "group"],
      [{ group: "g" }, "key"],
      [{ group: "g", key: "" }, "key must not be empty"],
      [{ group: "g", key: "x".repeat(201) }, "at most 200"],
      [{ group: "g".repeat(101), key: "k2" }, "group must be"],
      [{ group: "g", key: 42 }, "key must be a string"],
      [{ group: "g", key: "line\nbreak" }, "control characters"],
      [{ group: "g", key: "lone\ud800" }, "surrogates"],
      [{ group: "g", key: "k3", context: [1, 2] }, "context must be a JSON object"],
      [{ group: "g", key: "k4", context: { s: "nul\u0000" } }, "NUL"],
      [{ group: "g", key: "k5", context: { s: "\udc00" } }, "surrogates"],
      [{ group: "g", key: "k6", context: deep }, "deeper than 32"],
      [{ group: "g", key: "k7", context: { big: "x".repeat(300 * 1024) } }, "at most 256 KiB"],
      [{ group: "g", key: "k8", extra: true }, 'Unknown field "extra"'],
      [{ group: "g", key: "k9", aggregate: { type: "t" } }, "aggregate.id"],
      [{ group: "g", key: "k10", aggregate: { type: "t", id: "1", expectedVersion: -1 } }, "0 (a new stream)"],
      [{ group: "g", key: "k11", aggregate: { type: "t", id: "1", expectedVersion: 1.5 } }, "whole number"],
      [{ group: "g", key: "k12", aggregate: { type: "t t", id: "1" } }, "aggregate.type"],
      [{ group: "g", key: "k13", aggregate: "order-1" }, "aggregate must be an object"],
      [{ group: "g", key: "k14", aggregate: { type: "order", id: ".." } }, 'cannot be "." or ".."'],
      [{ group: "g", key: "k15", aggregate: { type: ".", id: "1" } }, 'cannot be "." or ".."'],
      [null, "JSON object"],
    ];
    const results = await ingest(bad.map(([item]) => item));
    results.forEach((result, i) => {
      expect(result.status, JSON.stringify(bad[i]![0]).slice(0, 80)).toBe("invalid");
      expect((result as { message: string }).message).toContain(bad[i]![1]);
    });
    const count = rowsOf<{ n: number }>(
      await database.db.execute(sql`select count(*)::int as n from events where event_group = 'g'`),
    );
    expect(count[0]!.n).toBe(0);
  });

  it("tells what to fix in a body that is not one event or a batch of them", () => {
    expect(itemsOfBody([{ group: "g", key: "k" }])).toMatchObject({
      ok: false,
      message: expect.stringContaining('{"events"'),
    });
    expect(itemsOfBody({ events: [] })).toMatchObject({ ok: false, message: expect.stringContaining("empty") });
    expect(itemsOfBody({ events: {} })).toMatchObject({ ok: false, message: expect.stringContaining("array") });
    expect(itemsOfBody({ events: Array.from({ length: 1001 }, () => ({})) })).toMatchObject({
      ok: false,
      message: expect.stringContaining("at most 1000"),
    });
    expect(itemsOfBody({ events: [{}], dryRun: true })).toMatchObject({
      ok: false,
      message: expect.stringContaining("dryRun"),
    });
    expect(itemsOfBody({ group: "g", key: "k" })).toEqual({
      ok: true,
      items: [{ group: "g", key: "k" }],
      single: true,
    });
  });
});
