import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { rowsOf } from "@/db/rows";
import { openTestDatabase, testDriver } from "@/testing/database";
import { recordEvents } from "./record";
import type { Handler, HandlerContext, RecordedEvent } from "./handlers";
import { testDeps } from "@/testing/deps";

describe(`recording events with batch handlers on ${testDriver}`, () => {
  let database: Database;
  const clock = () => new Date("2030-01-01T00:00:00Z");
  let seq = 0;
  beforeAll(async () => {
    database = await openTestDatabase();
    await database.db.execute(sql`create table effects (key text not null, handler text not null)`);
  });
  afterAll(async () => {
    await database?.close();
  });
  beforeEach(async () => {
    await database.db.execute(sql`delete from effects`);
  });

  const effects = async () =>
    rowsOf<{ key: string; handler: string }>(
      await database.db.execute(sql`select key, handler from effects order by key, handler`),
    ).map((r) => `${r.handler}:${r.key}`);
  const write = (ctx: HandlerContext, handler: string, key: string) =>
    ctx.tx.execute(sql`insert into effects (key, handler) values (${key}, ${handler})`);
  const batchHandler = (name: string, calls: number[], failOn?: string): Handler => ({
    name,
    group: /^g$/,
    handle: () => {
      throw new Error("a batch handler is called with batches");
    },
    async handleBatch(events: RecordedEvent[], ctx) {
      calls.push(events.length);
      for (const e of events) {
        if (e.key.endsWith(failOn ?? "\u0000")) throw new Error(`cannot handle ${e.key}`);
        await write(ctx, name, e.key);
      }
    },
  });
  const keys = (n: number) => Array.from({ length: n }, () => `g:${++seq}`);
  const record = (batch: string[], handlers: Handler[]) =>
    recordEvents(testDeps(database, { clock }), {
      events: batch.map((key) => ({ group: "g", key, context: {}, generatorId: null, source: null })),
      handlers,
    });

  it("runs a batch handler once for the whole batch, in the batch's transaction", async () => {
    const calls: number[] = [];
    const batch = keys(5);
    const outcome = await record(batch, [batchHandler("mail", calls)]);
    expect(calls).toEqual([5]);
    expect(outcome.recorded).toHaveLength(5);
    expect(await effects()).toEqual(batch.map((k) => `mail:${k}`).sort());
  });

  it("handles each event alone when the batch fails, so only the bad one fails and is retried", async () => {
    const calls: number[] = [];
    const batch = keys(4);
    const bad = batch[2]!;
    const outcome = await record(batch, [batchHandler("mail", calls, bad)]);
    expect(calls).toEqual([4, 1, 1, 1, 1]);
    expect(outcome.failed).toEqual([{ key: bad, handler: "mail", message: `cannot handle ${bad}` }]);
    expect(outcome.recorded.map((e) => e.key)).toEqual(batch.filter((k) => k !== bad));
    expect(await effects()).toEqual(
      batch
        .filter((k) => k !== bad)
        .map((k) => `mail:${k}`)
        .sort(),
    );
    const again = await record([bad], [batchHandler("mail", [])]);
    expect(again.recorded.map((e) => e.key)).toEqual([bad]);
  });

  it("django-spark: handlers run in the order they were registered, batch handlers too, whichever event meets them first", async () => {
    const order: string[] = [];
    const tracking = (name: string, group: RegExp): Handler => ({
      name,
      group,
      handle: () => {
        throw new Error("a batch handler is called with batches");
      },
      async handleBatch(events) {
        for (const e of events) order.push(`${name}:${e.group}`);
      },
    });
    // A matches only "both"; B matches both groups. The first event meets B alone.
    const a = tracking("A", /^both$/);
    const b = tracking("B", /^(both|only_b)$/);
    await recordEvents(testDeps(database, { clock }), {
      events: [
        { group: "only_b", key: `order:${++seq}`, context: {}, generatorId: null, source: null },
        { group: "both", key: `order:${++seq}`, context: {}, generatorId: null, source: null },
      ],
      handlers: [a, b],
    });
    expect(order).toEqual(["A:both", "B:only_b", "B:both"]);
  });

  it("runs an event's handlers in registration order in one savepoint when not all take batches, undoing them all if one throws", async () => {
    const order: string[] = [];
    const first: Handler = {
      name: "first",
      group: "g",
      async handle(event, ctx) {
        order.push(`first:${event.key}`);
        await write(ctx, "first", event.key);
      },
    };
    const [ok, bad] = keys(2);
    const mail = batchHandler("mail", [], bad);
    const outcome = await record([ok!, bad!], [first, mail]);
    expect(order).toEqual([`first:${ok}`, `first:${bad}`]);
    expect(outcome.failed.map((f) => [f.key, f.handler])).toEqual([[bad, "mail"]]);
    expect(await effects()).toEqual([`first:${ok}`, `mail:${ok}`].sort());
  });
});
