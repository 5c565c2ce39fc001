import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Database } from "@/db/client";
import type { PublishedEvent } from "@/db/queries/event-streams";
import { insertNewEvents } from "@/db/queries/events";
import { currentCommitPosition } from "@/db/queries/event-streams";
import { count, eq } from "drizzle-orm";
import { findSubscriptionById, insertSubscription } from "@/db/queries/subscriptions";
import { subscriptionAttempts } from "@/db/schema";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import type { Destination, HandOff } from "./destinations";

// A broker relay's shape without a broker: a pipelined destination whose confirms the test releases.
// The database, the reads, the checkpoint and the attempt log are the real ones.
const h = vi.hoisted(() => ({
  destination: null as Destination | null,
  holdAttemptsWrite: null as Promise<void> | null,
  attemptsWrites: 0,
  failRead: 0,
  reads: 0,
  onRead: null as (() => void) | null,
}));
vi.mock(import("./destinations"), async (original) => ({
  ...(await original()),
  destinationOf: () => h.destination!,
}));
vi.mock(import("@/db/queries/subscriptions"), async (original) => {
  const real = await original();
  return {
    ...real,
    insertSubscriptionAttempts: async (...args: Parameters<typeof real.insertSubscriptionAttempts>) => {
      h.attemptsWrites++;
      if (h.holdAttemptsWrite) await h.holdAttemptsWrite;
      return real.insertSubscriptionAttempts(...args);
    },
  };
});
vi.mock(import("@/db/queries/event-streams"), async (original) => {
  const real = await original();
  return {
    ...real,
    readEventsInCommitOrder: async (...args: Parameters<typeof real.readEventsInCommitOrder>) => {
      h.reads++;
      h.onRead?.();
      if (h.failRead === h.reads) throw new Error("the database went away mid-read");
      return real.readEventsInCommitOrder(...args);
    },
  };
});

import { runSubscription } from "./dispatch";

/** A pipelined destination that confirms what it holds a few at a time, on later turns of the event loop. */
function broker({
  holdUntil,
  answer = () => ({ ok: true }),
}: { holdUntil?: (event: PublishedEvent) => Promise<void>; answer?: (event: PublishedEvent) => HandOff } = {}) {
  const waiting: { event: PublishedEvent; confirm: (result: HandOff) => void }[] = [];
  const handed: string[] = [];
  const inFlightAtStart: number[] = [];
  let inFlight = 0;
  const pump = () =>
    setImmediate(() => {
      for (const item of waiting.splice(0, 7)) {
        inFlight--;
        item.confirm(answer(item.event));
      }
      if (waiting.length > 0) pump();
    });
  const destination: Destination = {
    pipelined: true,
    async handOff(event) {
      handed.push(event.key);
      inFlightAtStart.push(inFlight);
      inFlight++;
      await holdUntil?.(event);
      return new Promise<HandOff>((confirm) => {
        if (waiting.push({ event, confirm }) === 1) pump();
      });
    },
  };
  return { destination, handed, inFlightAtStart };
}

describe(`a pipelined destination's round on ${testDriver}`, () => {
  let database: Database;
  let seq = 0;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  const deps = () => testDeps(database, { settings: { subscriptionDisableAfterMs: 86_400_000 } });
  const record = async (group: string, count: number) => {
    const keys: string[] = [];
    for (let i = 0; i < count; i += 1000) {
      const batch = Array.from({ length: Math.min(1000, count - i) }, () => `${group}:${++seq}`);
      await insertNewEvents(database.db, {
        events: batch.map((key) => ({ group, key, context: { key }, generatorId: null, source: null })),
        jobRunId: null,
      });
      keys.push(...batch);
    }
    return keys;
  };
  const attemptsOf = async (id: string) =>
    (
      await database.db
        .select({ n: count() })
        .from(subscriptionAttempts)
        .where(eq(subscriptionAttempts.subscriptionId, id))
    )[0]!.n;
  const subscribe = async (name: string, groupPattern: string) =>
    (await insertSubscription(database.db, {
      name,
      kind: "rabbitmq",
      groupPattern,
      target: "amqp://127.0.0.1:5672/",
      config: { exchange: "amq.topic" },
      secretSealed: null,
      headersSealed: null,
      strictOrder: false,
      attemptLimit: 8,
      updatedBy: null,
      from: await currentCommitPosition(database.db),
    }))!;

  it("keeps publishes in flight across a page's end, refills the window in bursts, and hands each event on once in order", async () => {
    const subscription = await subscribe("across-pages", "pipe.pages");
    const keys = await record("pipe.pages", 5_000);
    // The first page's last event is confirmed only once the second page's first has been handed on: a
    // round that drained each page before reading the next would wait here for ever.
    let secondPageStarted!: () => void;
    const started = new Promise<void>((resolve) => (secondPageStarted = resolve));
    const fake = broker({
      holdUntil: async (event) => {
        if (event.key === keys[2048]) secondPageStarted();
        if (event.key === keys[2047]) await started;
      },
    });
    h.destination = fake.destination;
    const outcome = await runSubscription(deps(), { id: subscription.id, holder: "a", pageSize: 100 });
    expect(outcome).toMatchObject({ status: "ran", delivered: 5_000, failed: 0 });
    expect(fake.handed).toEqual(keys);
    // A page holds four windows of 512: the second page's first event started while the first page's last
    // one still awaited its confirm.
    expect(fake.inFlightAtStart[2048]).toBeGreaterThan(0);
    // Once full, the window takes new events only after a quarter of it settled (a page's first event may
    // also start as soon as its page is read).
    const refills = fake.inFlightAtStart.filter((n, i, all) => i > 512 && i % 2048 !== 0 && n < all[i - 1]!);
    expect(refills.length).toBeGreaterThan(10);
    expect(Math.max(...refills)).toBeLessThanOrEqual(512 - 128);
    expect(await findSubscriptionById(database.db, { id: subscription.id })).toMatchObject({
      deliveredCount: 5_000,
      leaseHolder: null,
    });
    expect(await attemptsOf(subscription.id)).toBe(5_000);
  });

  it("goes on handing events on while a save of its progress is still being written", async () => {
    const subscription = await subscribe("beside-saves", "pipe.saves");
    const keys = await record("pipe.saves", 3_000);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let handedWhileHeld = 0;
    const writesBefore = h.attemptsWrites;
    // The 50th event waits long enough that, once it is confirmed, a save is due; that save's write of the
    // attempt log is then held until the last event has been handed on (or, if the round waits for the
    // save, for ever: the test would time out rather than pass).
    const fake = broker({
      holdUntil: async (event) => {
        if (h.holdAttemptsWrite && h.attemptsWrites > writesBefore) handedWhileHeld++;
        if (event.key === keys.at(-1)) release();
        if (event.key === keys[49]) await new Promise((resolve) => setTimeout(resolve, 300));
      },
    });
    h.destination = fake.destination;
    h.holdAttemptsWrite = held;
    try {
      const outcome = await runSubscription(deps(), { id: subscription.id, holder: "a" });
      expect(outcome).toMatchObject({ status: "ran", delivered: 3_000 });
    } finally {
      h.holdAttemptsWrite = null;
      release();
    }
    expect(handedWhileHeld).toBeGreaterThan(2_000);
    expect(fake.handed).toEqual(keys);
    const saved = await findSubscriptionById(database.db, { id: subscription.id });
    expect(saved).toMatchObject({ deliveredCount: 3_000, leaseHolder: null });
    expect(await attemptsOf(subscription.id)).toBe(3_000);
  });

  it("fails the round with the error of a page read ahead, after what it started has settled", async () => {
    const subscription = await subscribe("read-ahead", "pipe.ahead");
    await record("pipe.ahead", 2_100);
    const fake = broker();
    h.destination = fake.destination;
    // The round's first read is this one; the second is the page read ahead while the first is handed on.
    h.failRead = h.reads + 2;
    await expect(runSubscription(deps(), { id: subscription.id, holder: "a" })).rejects.toThrow(
      "the database went away mid-read",
    );
    h.failRead = 0;
    // Nothing it started is still awaiting a confirm, and the lease is free for the next round.
    expect(fake.handed).toHaveLength(2_048);
    const after = await findSubscriptionById(database.db, { id: subscription.id });
    expect(after).toMatchObject({ leaseHolder: null });
    expect(await runSubscription(deps(), { id: subscription.id, holder: "b" })).toMatchObject({ status: "ran" });
    expect(new Set(fake.handed).size).toBe(2_100);
  });

  it("holds no more contexts in flight than its byte budget, however many events the window could take", async () => {
    const subscription = await subscribe("by-size", "pipe.size");
    const blob = "z".repeat(10_000);
    const keys: string[] = [];
    const batch = Array.from({ length: 100 }, () => `pipe.size:${++seq}`);
    await insertNewEvents(database.db, {
      events: batch.map((key) => ({ group: "pipe.size", key, context: { blob }, generatorId: null, source: null })),
      jobRunId: null,
    });
    keys.push(...batch);
    const fake = broker();
    h.destination = fake.destination;
    const outcome = await runSubscription(deps(), { id: subscription.id, holder: "a", windowBytes: 50_000 });
    expect(outcome).toMatchObject({ status: "ran", delivered: 100 });
    expect(fake.handed).toEqual(keys);
    // Each context is a little over 10,000 bytes: the fifth reaches the budget, and the window waits.
    expect(Math.max(...fake.inFlightAtStart)).toBe(4);
  });

  it("checks the stop signal between pages while a rare pattern scans past other groups", async () => {
    const subscription = await subscribe("rare", "pipe.rare");
    await record("pipe.noise", 30_000);
    const stop = new AbortController();
    const readsBefore = h.reads;
    const fake = broker();
    h.destination = fake.destination;
    h.onRead = () => {
      if (h.reads - readsBefore >= 2) stop.abort();
    };
    try {
      await runSubscription(deps(), { id: subscription.id, holder: "a", signal: stop.signal });
    } finally {
      h.onRead = null;
    }
    // 30,000 events of other groups are six scans of 5,000; stopped after the second, a round reads at
    // most one more (the page read ahead), and its checkpoint keeps what it scanned.
    expect(h.reads - readsBefore).toBeLessThanOrEqual(4);
    const saved = await findSubscriptionById(database.db, { id: subscription.id });
    expect(saved!.leaseHolder).toBeNull();
    expect(await runSubscription(deps(), { id: subscription.id, holder: "a" })).toMatchObject({ status: "ran" });
    expect(fake.handed).toEqual([]);
  });

  it("keeps an answer that holds a NUL, with the NUL replaced, and goes on", async () => {
    const subscription = await subscribe("nul-answer", "pipe.nul");
    const keys = await record("pipe.nul", 3);
    const fake = broker({ answer: (event) => ({ ok: true, response: `stream\u0000${event.key}` }) });
    h.destination = fake.destination;
    expect(await runSubscription(deps(), { id: subscription.id, holder: "a" })).toMatchObject({ delivered: 3 });
    const rows = await database.db
      .select({ response: subscriptionAttempts.response })
      .from(subscriptionAttempts)
      .where(eq(subscriptionAttempts.subscriptionId, subscription.id));
    expect(rows.map((r) => r.response).sort()).toEqual(keys.map((key) => `stream\ufffd${key}`).sort());
  });

  it("logs no failed attempts and marks nothing failing when a stop cuts its window short, then sends the rest", async () => {
    const subscription = await subscribe("stopped", "pipe.stop");
    const keys = await record("pipe.stop", 200);
    const stop = new AbortController();
    const stopped = new Promise<void>((resolve) => stop.signal.addEventListener("abort", () => resolve()));
    const fake = broker({
      // The first ten are confirmed, then the stop comes; the rest wait for it and are then refused, as a
      // broker client refuses what its caller gave up on.
      holdUntil: async (event) => {
        if (keys.indexOf(event.key) >= 10) await stopped;
      },
      answer: (event) => {
        const index = keys.indexOf(event.key);
        if (index === 9) setImmediate(() => stop.abort());
        return index < 10 ? { ok: true } : { ok: false, error: "Stopped before the broker confirmed it." };
      },
    });
    h.destination = fake.destination;
    await runSubscription(deps(), { id: subscription.id, holder: "a", signal: stop.signal });
    // Only the ten it delivered are in the attempt log.
    expect(await attemptsOf(subscription.id)).toBe(10);
    expect(await findSubscriptionById(database.db, { id: subscription.id })).toMatchObject({
      deliveredCount: 10,
      failingSince: null,
      lastError: null,
    });
    const rest = broker();
    h.destination = rest.destination;
    expect(await runSubscription(deps(), { id: subscription.id, holder: "a" })).toMatchObject({ delivered: 190 });
    expect(rest.handed).toEqual(keys.slice(10));
  });
});
