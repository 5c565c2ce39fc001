import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { listStreamEvents, readEventsInCommitOrder } from "@/db/queries/event-streams";
import { insertNewEvents } from "@/db/queries/events";
import { rowsOf } from "@/db/rows";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import { apiSourceOf, ingestEvents } from "./ingest";
import { decodeCursor, encodeCursor, groupLikeOf, readEvents, readStream, type ApiEvent } from "./read";

const KEY_ID = "00000000-0000-4000-8000-0000000000b2";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(`reading events in commit order on ${testDriver}`, () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  const deps = () => testDeps(database);
  const ingest = (items: unknown[]) => ingestEvents(deps(), { items, source: apiSourceOf(KEY_ID) });
  const insert = (keys: string[], group = "plain") =>
    insertNewEvents(database.db, {
      events: keys.map((key) => ({ group, key, context: { key }, generatorId: null, source: null })),
      jobRunId: null,
    });
  /** Follows `next` from a cursor until a page comes back empty and the cursor stops moving. */
  const readAll = async (query: { after?: string; group?: string; limit?: number }) => {
    const seen: ApiEvent[] = [];
    let after = query.after;
    for (;;) {
      const page = await readEvents(deps(), { ...query, after, limit: query.limit });
      if (!page.ok) throw new Error(page.message);
      seen.push(...page.events);
      if (page.events.length === 0 && page.next === after) return { seen, next: page.next };
      after = page.next;
    }
  };

  it("pages through every event once, in order, following next", async () => {
    await insert(Array.from({ length: 23 }, (_, i) => `page-${i}`));
    const { seen, next } = await readAll({ limit: 5, group: "plain" });
    expect(seen.map((e) => e.key)).toEqual(Array.from({ length: 23 }, (_, i) => `page-${i}`));
    expect(seen[0]).toMatchObject({ group: "plain", context: { key: "page-0" }, origin: null });
    expect(new Date(seen[0]!.createdAt).toISOString()).toBe(seen[0]!.createdAt);
    await insert(["page-late"]);
    expect((await readAll({ after: next, group: "plain" })).seen.map((e) => e.key)).toEqual(["page-late"]);
  });

  it("filters by group pattern with * wildcards, taking every other character literally", async () => {
    await insert(["o1"], "order.created");
    await insert(["o2"], "order.paid");
    await insert(["ox"], "orderXpaid");
    await insert(["u1"], "user_created");
    await insert(["u2"], "userXcreated");
    const keys = async (group: string) => (await readAll({ group })).seen.map((e) => e.key);
    expect(await keys("order.*")).toEqual(["o1", "o2"]);
    expect(await keys("*.paid")).toEqual(["o2"]);
    expect(await keys("user_created")).toEqual(["u1"]);
    expect(groupLikeOf("a_b*%")).toBe("a\\_b%\\%");
  });

  it("moves the cursor past a long run of events of other groups, a bounded scan at a time", async () => {
    const start = (await readAll({})).next;
    await insert(
      Array.from({ length: 6000 }, (_, i) => `noise-${i}`),
      "noise",
    );
    await insert(["needle"], "rare");
    const first = await readEvents(deps(), { after: start, group: "rare", limit: 10 });
    expect(first.ok && first.events).toEqual([]);
    expect(first.ok && first.next).not.toBe(start);
    const rest = await readAll({ after: first.ok ? first.next : undefined, group: "rare" });
    expect(rest.seen.map((e) => e.key)).toEqual(["needle"]);
  });

  it("refuses a cursor it did not issue, a bad pattern and a bad limit, saying what to send", async () => {
    const bad = async (query: Record<string, string>) => {
      const page = await readEvents(deps(), query);
      expect(page.ok).toBe(false);
      return page.ok ? "" : page.message;
    };
    expect(await bad({ after: "garbage!" })).toContain("not a cursor from this server");
    expect(await bad({ after: Buffer.from("v1.1.x").toString("base64url") })).toContain("not a cursor");
    expect(await bad({ after: Buffer.from(`v1.${2n ** 64n}.1`).toString("base64url") })).toContain("not a cursor");
    expect(await bad({ after: encodeCursor({ tx: "999999999999", id: 1 }) })).toContain("ahead of every event");
    expect(await bad({ group: "a b" })).toContain("group must be");
    expect(await bad({ group: "a';drop table events;--" })).toContain("group must be");
    expect(await bad({ limit: "0" })).toContain("limit");
    expect(await bad({ limit: "1001" })).toContain("at most 1000");
    expect(await bad({ limit: "ten" })).toContain("limit");
    expect(decodeCursor(encodeCursor({ tx: "18446744073709551615", id: 9 }))).toEqual({
      tx: "18446744073709551615",
      id: 9,
    });
  });

  it("never skips an event whose transaction commits after later ones: 8 writers, random delays", async () => {
    const start = (await readAll({})).next;
    const written: string[] = [];
    const writer = async (w: number) => {
      for (let i = 0; i < 12; i++) {
        const key = `w${w}-${i}`;
        await database.db.transaction(async (tx) => {
          await insertNewEvents(tx, {
            events: [{ group: "concurrent", key, context: {}, generatorId: null, source: null }],
            jobRunId: null,
          });
          await sleep(Math.random() * 15);
        });
        written.push(key);
        await sleep(Math.random() * 5);
      }
    };
    const seen: ApiEvent[] = [];
    let after = start;
    let writing = true;
    const reader = (async () => {
      for (;;) {
        const done = !writing;
        const page = await readEvents(deps(), { after, group: "concurrent", limit: 4 });
        if (!page.ok) throw new Error(page.message);
        seen.push(...page.events);
        after = page.next;
        if (done && page.events.length === 0) return;
        await sleep(2);
      }
    })();
    await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
    writing = false;
    await reader;
    const keys = seen.map((e) => e.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual([...written].sort());
    expect(keys).toHaveLength(96);
    // Read in the order the events' transactions were given ids, which is what the cursor follows.
    const txOf = new Map(
      rowsOf<{ id: number | string; tx: string }>(
        await database.db.execute(sql`select id, tx_id::text as tx from events where event_group = 'concurrent'`),
      ).map((r) => [Number(r.id), BigInt(r.tx)]),
    );
    const order = seen.map((e) => [txOf.get(e.id)!, e.id] as const);
    const sorted = [...order].sort((a, b) => (a[0] === b[0] ? a[1] - b[1] : a[0] < b[0] ? -1 : 1));
    expect(order).toEqual(sorted);
  });

  it.skipIf(testDriver === "pglite")(
    "holds back events committed after an older transaction that is still open, then returns both in order",
    async () => {
      const start = (await readAll({})).next;
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let opened!: () => void;
      const isOpen = new Promise<void>((resolve) => (opened = resolve));
      const slow = database.db.transaction(async (tx) => {
        await insertNewEvents(tx, {
          events: [{ group: "late", key: "late-first", context: {}, generatorId: null, source: null }],
          jobRunId: null,
        });
        opened();
        await held;
      });
      await isOpen;
      await insert(["late-second"], "late");
      const meanwhile = await readEvents(deps(), { after: start, group: "late" });
      expect(meanwhile.ok && meanwhile.events).toEqual([]);
      release();
      await slow;
      expect(
        (await readAll({ after: meanwhile.ok ? meanwhile.next : start, group: "late" })).seen.map((e) => e.key),
      ).toEqual(["late-first", "late-second"]);
    },
  );

  it("reads an aggregate's stream in version order, a page at a time, with its current version", async () => {
    await ingest(
      Array.from({ length: 5 }, (_, i) => ({
        group: "acct",
        key: `acct-7:${i}`,
        aggregate: { type: "account", id: "7" },
      })),
    );
    const all = await readStream(deps(), { type: "account", id: "7" });
    expect(all.ok && all.events.map((e) => e.aggregate?.version)).toEqual([1, 2, 3, 4, 5]);
    expect(all.ok && all.version).toBe(5);
    const page = await readStream(deps(), { type: "account", id: "7", afterVersion: "2", limit: "2" });
    expect(page.ok && page.events.map((e) => e.key)).toEqual(["acct-7:2", "acct-7:3"]);
    expect(page.ok && page.nextAfterVersion).toBe(4);
    const none = await readStream(deps(), { type: "account", id: "nobody" });
    expect(none).toMatchObject({ ok: true, version: 0, events: [], nextAfterVersion: null });
    expect(await readStream(deps(), { type: "bad type", id: "7" })).toMatchObject({ ok: false });
    expect(await readStream(deps(), { type: "account", id: "7", afterVersion: "-1" })).toMatchObject({ ok: false });
  });

  it("ends a page once its contexts reach the byte budget, always holding one event, and goes on from there", async () => {
    const start = (await readAll({})).next;
    const blob = "x".repeat(5_000);
    await insertNewEvents(database.db, {
      events: ["big-0", "big-1", "big-2", "huge"].map((key) => ({
        group: "bytes",
        key,
        context: { blob: key === "huge" ? blob.repeat(4) : blob },
        aggregate: { type: "blob", id: "1", version: Number(key.at(-1)) + 1 || 4 },
        generatorId: null,
        source: null,
      })),
      jobRunId: null,
    });
    const after = decodeCursor(start)!;
    // Each context is a little over 5,000 bytes: a page takes events while it holds under 9,000, so two.
    const first = await readEventsInCommitOrder(database.db, {
      after,
      groupLike: "bytes",
      limit: 10,
      scan: 100,
      maxBytes: 9_000,
    });
    expect(first.events.map((e) => e.key)).toEqual(["big-0", "big-1"]);
    expect(first.scannedTo).toEqual(first.events[1]!.position);
    const second = await readEventsInCommitOrder(database.db, {
      after: first.scannedTo!,
      groupLike: "bytes",
      limit: 10,
      scan: 100,
      maxBytes: 9_000,
    });
    expect(second.events.map((e) => e.key)).toEqual(["big-2", "huge"]);
    // An event larger than the whole budget still comes, alone, so a reader is never stuck before it.
    const alone = await readEventsInCommitOrder(database.db, {
      after: second.events[0]!.position,
      groupLike: "bytes",
      limit: 10,
      scan: 100,
      maxBytes: 1_000,
    });
    expect(alone.events.map((e) => e.key)).toEqual(["huge"]);

    const stream = await listStreamEvents(database.db, {
      stream: { type: "blob", id: "1" },
      afterVersion: 0,
      limit: 10,
      maxBytes: 9_000,
    });
    expect(stream).toMatchObject({ cut: true });
    expect(stream.events.map((e) => e.key)).toEqual(["big-0", "big-1"]);
    const rest = await listStreamEvents(database.db, {
      stream: { type: "blob", id: "1" },
      afterVersion: 2,
      limit: 10,
      maxBytes: 1_000_000,
    });
    expect(rest).toMatchObject({ cut: false });
    expect(rest.events.map((e) => e.key)).toEqual(["big-2", "huge"]);
  });

  it("answers at most 8 MiB of contexts a page through the API, with next and nextAfterVersion to go on", async () => {
    const start = (await readAll({})).next;
    const blob = "y".repeat(900_000);
    await insertNewEvents(database.db, {
      events: Array.from({ length: 12 }, (_, i) => ({
        group: "heavy",
        key: `heavy-${i}`,
        context: { blob },
        aggregate: { type: "heavy", id: "1", version: i + 1 },
        generatorId: null,
        source: null,
      })),
      jobRunId: null,
    });
    const page = await readEvents(deps(), { after: start, group: "heavy", limit: "1000" });
    expect(page.ok && page.events.length).toBe(10);
    const { seen } = await readAll({ after: start, group: "heavy", limit: 1000 });
    expect(seen.map((e) => e.key)).toEqual(Array.from({ length: 12 }, (_, i) => `heavy-${i}`));
    const stream = await readStream(deps(), { type: "heavy", id: "1" });
    expect(stream.ok && stream.events.length).toBe(10);
    expect(stream.ok && stream.nextAfterVersion).toBe(10);
    const next = await readStream(deps(), { type: "heavy", id: "1", afterVersion: "10" });
    expect(next.ok && next.events.map((e) => e.key)).toEqual(["heavy-10", "heavy-11"]);
    expect(next.ok && next.nextAfterVersion).toBe(null);
  });
});
