import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Database } from "@/db/client";
import { rowsOf } from "@/db/rows";
import { inboundRejections, inbounds } from "@/db/schema";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import type { InboundConnector, InboundDelivery } from "../brokers/types";
import { eventOfMessage, INBOUND_MESSAGE_LIMIT, recordInboundBatch } from "./record";
import { runInbound } from "./run";

type Settled = { outcome: "ack" | "reject" | "retry"; reason?: string };

/** A message as a broker hands it over, noting how Spark settled it. */
const message = (body: unknown, extra: { routingKey?: string; messageId?: string } = {}) => {
  const settled: Settled[] = [];
  const delivery: InboundDelivery = {
    body: Buffer.isBuffer(body) ? body : Buffer.from(typeof body === "string" ? body : JSON.stringify(body)),
    routingKey: extra.routingKey ?? null,
    messageId: extra.messageId ?? null,
    ack: async () => void settled.push({ outcome: "ack" }),
    reject: async (reason) => void settled.push({ outcome: "reject", reason }),
    retry: async () => void settled.push({ outcome: "retry" }),
  };
  return { delivery, settled };
};

describe(`inbound messages become events on ${testDriver}`, () => {
  let database: Database;
  let inboundId: string;
  beforeAll(async () => {
    database = await openTestDatabase();
    const [row] = await database.db
      .insert(inbounds)
      .values({ name: "orders", kind: "rabbitmq", target: "amqp://guest@127.0.0.1:5672/", config: { queue: "q" } })
      .returning();
    inboundId = row!.id;
  });
  afterAll(async () => {
    await database?.close();
  });
  const keys = async () =>
    rowsOf<{ key: string; source: string }>(
      await database.db.execute(sql`select key, source from events where source like 'inbound:%' order by id`),
    );

  it("takes a JSON event, or a routing key and message id with a JSON context", () => {
    expect(eventOfMessage(message({ group: "g", key: "k", context: { a: 1 } }).delivery)).toEqual({
      ok: true,
      item: { group: "g", key: "k", context: { a: 1 } },
    });
    expect(eventOfMessage(message({ a: 1 }, { routingKey: "order.paid", messageId: "m-1" }).delivery)).toEqual({
      ok: true,
      item: { group: "order.paid", key: "m-1", context: { a: 1 } },
    });
    expect(eventOfMessage(message("", { routingKey: "order.paid", messageId: "m-2" }).delivery)).toMatchObject({
      item: { context: {} },
    });
    expect(eventOfMessage(message("not json").delivery)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("not JSON"),
    });
    expect(eventOfMessage(message([1, 2], { routingKey: "r", messageId: "m" }).delivery)).toMatchObject({ ok: false });
    expect(eventOfMessage(message(Buffer.alloc(INBOUND_MESSAGE_LIMIT + 1, 32)).delivery)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("at most"),
    });
  });

  it("acknowledges after recording, acknowledges duplicates, rejects what is not an event and keeps why", async () => {
    const good = message({ group: "inbound.order", key: "in:1", context: { n: 1 } });
    const routed = message({ n: 2 }, { routingKey: "inbound.order", messageId: "in:2" });
    const again = message({ group: "inbound.order", key: "in:1" });
    const junk = message("{oops", { routingKey: "inbound.order" });
    const badGroup = message({ group: "has space", key: "in:3" });
    const tally = await recordInboundBatch(testDeps(database), {
      inbound: { id: inboundId },
      deliveries: [good, routed, again, junk, badGroup].map((m) => m.delivery),
    });
    expect(tally).toEqual({ received: 5, recorded: 2, duplicates: 1, rejected: 2, retried: 0 });
    expect([good, routed, again].map((m) => m.settled)).toEqual([
      [{ outcome: "ack" }],
      [{ outcome: "ack" }],
      [{ outcome: "ack" }],
    ]);
    expect(junk.settled[0]).toMatchObject({ outcome: "reject", reason: expect.stringContaining("not JSON") });
    expect(badGroup.settled[0]).toMatchObject({ outcome: "reject", reason: expect.stringContaining("group") });
    expect(await keys()).toEqual([
      { key: "in:1", source: `inbound:${inboundId}` },
      { key: "in:2", source: `inbound:${inboundId}` },
    ]);
    const rejected = await database.db
      .select()
      .from(inboundRejections)
      .where(eq(inboundRejections.inboundId, inboundId));
    expect(rejected.map((r) => r.body)).toEqual(["{oops", JSON.stringify({ group: "has space", key: "in:3" })]);
    const [row] = await database.db.select().from(inbounds).where(eq(inbounds.id, inboundId));
    expect(row).toMatchObject({ received: 5, recorded: 2, duplicates: 1, rejected: 2 });
  });

  it("records what it consumes even when nobody asked to hear about each batch", async () => {
    const messages = Array.from({ length: 3 }, (_, i) => message({ group: "inbound.quiet", key: `quiet:${i}` }));
    const stop = new AbortController();
    const connector: InboundConnector = {
      async consume(onMessage, signal) {
        for (const m of messages) await onMessage(m.delivery);
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      },
    };
    const running = runInbound(testDeps(database), { inbound: { id: inboundId }, connector, signal: stop.signal });
    await vi.waitFor(() => expect(messages.every((m) => m.settled[0]?.outcome === "ack")).toBe(true), {
      timeout: 10_000,
      interval: 10,
    });
    stop.abort();
    await running;
    expect((await keys()).filter((k) => k.key.startsWith("quiet:"))).toHaveLength(3);
  });

  it("consumes in batches, in order, until stopped", async () => {
    const messages = Array.from({ length: 250 }, (_, i) => message({ group: "inbound.stream", key: `stream:${i}` }));
    const stop = new AbortController();
    const connector: InboundConnector = {
      async consume(onMessage, signal) {
        for (const m of messages) await onMessage(m.delivery);
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      },
    };
    const batches: number[] = [];
    const running = runInbound(testDeps(database), {
      inbound: { id: inboundId },
      connector,
      signal: stop.signal,
      batchSize: 100,
      onBatch: (t) => {
        batches.push(t.received);
        if (batches.reduce((a, b) => a + b, 0) === 250) stop.abort();
      },
    });
    await running;
    expect(batches).toEqual([100, 100, 50]);
    expect(messages.every((m) => m.settled[0]?.outcome === "ack")).toBe(true);
    const recorded = (await keys()).filter((k) => k.key.startsWith("stream:")).map((k) => k.key);
    expect(recorded).toEqual(messages.map((_, i) => `stream:${i}`));
  });
});
