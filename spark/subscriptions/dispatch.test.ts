import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { insertNewEvents } from "@/db/queries/events";
import { currentCommitPosition } from "@/db/queries/event-streams";
import {
  countBacklog,
  findSubscriptionById,
  insertSubscription,
  takeSubscriptionLease,
} from "@/db/queries/subscriptions";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import type { ApiEvent } from "../producers/read";
import { runSubscription } from "./dispatch";
import type { CodeSubscriber } from "./subscribers";

describe(`handing events to subscriptions on ${testDriver}`, () => {
  let database: Database;
  let now = new Date("2030-01-01T00:00:00Z");
  const clock = () => now;
  const advance = (ms: number) => (now = new Date(now.getTime() + ms));
  let seq = 0;

  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  /** A code subscriber that keeps what it got and fails on the keys `failing` holds. */
  const collector = (name: string) => {
    const got: ApiEvent[] = [];
    const failing = new Set<string>();
    const subscriber: CodeSubscriber = {
      name,
      handle(event) {
        if (failing.has(event.key)) throw new Error(`${event.key} cannot be taken now`);
        got.push(event);
      },
    };
    return { got, failing, subscriber };
  };
  const deps = (subscribers: CodeSubscriber[]) =>
    testDeps(database, { clock, subscribers, settings: { subscriptionDisableAfterMs: 86_400_000 } });
  const record = async (group: string, count: number) => {
    const keys = Array.from({ length: count }, () => `${group}:${++seq}`);
    await insertNewEvents(database.db, {
      events: keys.map((key) => ({ group, key, context: { key }, generatorId: null, source: null })),
      jobRunId: null,
    });
    return keys;
  };
  const subscribe = async (
    name: string,
    groupPattern: string,
    options: { strictOrder?: boolean; attemptLimit?: number } = {},
  ) =>
    (await insertSubscription(database.db, {
      name,
      kind: "code",
      groupPattern,
      target: name,
      config: {},
      secretSealed: null,
      headersSealed: null,
      strictOrder: options.strictOrder ?? false,
      attemptLimit: options.attemptLimit ?? 8,
      updatedBy: null,
      from: await currentCommitPosition(database.db),
    }))!;

  it("hands on every event of its pattern in commit order, moving its checkpoint, and nothing twice", async () => {
    const { got, subscriber } = collector("orders");
    const subscription = await subscribe("orders", "order.*");
    const first = [
      ...(await record("order.placed", 3)),
      ...(await record("user.signup", 2)),
      ...(await record("order.paid", 2)),
    ];
    const outcome = await runSubscription(deps([subscriber]), { id: subscription.id, holder: "a", pageSize: 2 });
    expect(outcome).toMatchObject({ status: "ran", delivered: 5, failed: 0 });
    expect(got.map((e) => e.key)).toEqual(first.filter((k) => k.startsWith("order.")));
    expect(await runSubscription(deps([subscriber]), { id: subscription.id, holder: "a" })).toMatchObject({
      delivered: 0,
    });
    const later = await record("order.shipped", 1);
    await runSubscription(deps([subscriber]), { id: subscription.id, holder: "a" });
    expect(got.map((e) => e.key).slice(-1)).toEqual(later);
    expect(await findSubscriptionById(database.db, { id: subscription.id })).toMatchObject({
      deliveredCount: 6,
      leaseHolder: null,
      lastError: null,
    });
  });

  it("moves on past a failing event, retries it on the schedule, and parks it after the attempt limit", async () => {
    const { got, failing, subscriber } = collector("retrying");
    const subscription = await subscribe("retrying", "retry", { attemptLimit: 3 });
    const [a, b, c] = await record("retry", 3);
    failing.add(b!);
    expect(await runSubscription(deps([subscriber]), { id: subscription.id, holder: "a" })).toMatchObject({
      delivered: 2,
      failed: 1,
    });
    expect(got.map((e) => e.key)).toEqual([a, c]);
    expect(await countBacklog(database.db, { subscriptionId: subscription.id })).toEqual({ waiting: 1, parked: 0 });
    // Not due yet: nothing is tried.
    expect(await runSubscription(deps([subscriber]), { id: subscription.id, holder: "a" })).toMatchObject({
      failed: 0,
    });
    advance(10 * 60_000);
    expect(await runSubscription(deps([subscriber]), { id: subscription.id, holder: "a" })).toMatchObject({
      failed: 1,
    });
    advance(24 * 3_600_000);
    expect(await runSubscription(deps([subscriber]), { id: subscription.id, holder: "a" })).toMatchObject({
      parked: 1,
    });
    expect(await countBacklog(database.db, { subscriptionId: subscription.id })).toEqual({ waiting: 0, parked: 1 });
    expect((await findSubscriptionById(database.db, { id: subscription.id }))?.lastError).toContain(
      "cannot be taken now",
    );
  });

  it("delivers a retried event once it is taken, and clears the failure", async () => {
    const { got, failing, subscriber } = collector("recovering");
    const subscription = await subscribe("recovering", "recover");
    const [a] = await record("recover", 1);
    failing.add(a!);
    await runSubscription(deps([subscriber]), { id: subscription.id, holder: "a" });
    failing.clear();
    advance(10 * 60_000);
    expect(await runSubscription(deps([subscriber]), { id: subscription.id, holder: "a" })).toMatchObject({
      delivered: 1,
    });
    expect(got.map((e) => e.key)).toEqual([a]);
    expect(await countBacklog(database.db, { subscriptionId: subscription.id })).toEqual({ waiting: 0, parked: 0 });
    expect((await findSubscriptionById(database.db, { id: subscription.id }))?.failingSince).toBeNull();
  });

  it("waits on a failing event when the destination wants strict order", async () => {
    const { got, failing, subscriber } = collector("strict");
    const subscription = await subscribe("strict", "strict", { strictOrder: true, attemptLimit: 1 });
    const [a, b, c] = await record("strict", 3);
    failing.add(b!);
    expect(await runSubscription(deps([subscriber]), { id: subscription.id, holder: "a" })).toMatchObject({
      status: "waiting",
      delivered: 1,
    });
    advance(10 * 60_000);
    expect(await runSubscription(deps([subscriber]), { id: subscription.id, holder: "a" })).toMatchObject({
      status: "waiting",
      delivered: 0,
      parked: 0,
    });
    expect(got.map((e) => e.key)).toEqual([a]);
    failing.clear();
    advance(24 * 3_600_000);
    expect(await runSubscription(deps([subscriber]), { id: subscription.id, holder: "a" })).toMatchObject({
      delivered: 2,
    });
    expect(got.map((e) => e.key)).toEqual([a, b, c]);
  });

  it("lets one holder read a subscription at a time", async () => {
    const { subscriber } = collector("leased");
    const subscription = await subscribe("leased", "leased");
    await record("leased", 1);
    expect(
      await takeSubscriptionLease(database.db, {
        id: subscription.id,
        holder: "other",
        now,
        until: new Date(now.getTime() + 60_000),
      }),
    ).not.toBeNull();
    expect(await runSubscription(deps([subscriber]), { id: subscription.id, holder: "a" })).toMatchObject({
      status: "busy",
    });
    advance(61_000);
    expect(await runSubscription(deps([subscriber]), { id: subscription.id, holder: "a" })).toMatchObject({
      status: "ran",
      delivered: 1,
    });
  });

  it("disables a destination that has failed without a break for the configured time", async () => {
    const subscription = await subscribe("vanished", "vanished");
    await record("vanished", 2);
    // No subscriber of that name is registered: every attempt fails, saying so.
    await runSubscription(deps([]), { id: subscription.id, holder: "a" });
    expect((await findSubscriptionById(database.db, { id: subscription.id }))?.lastError).toContain(
      'No code subscriber named "vanished"',
    );
    advance(2 * 86_400_000);
    expect(await runSubscription(deps([]), { id: subscription.id, holder: "a" })).toMatchObject({ status: "disabled" });
    expect(await findSubscriptionById(database.db, { id: subscription.id })).toMatchObject({
      status: "disabled",
      disabledReason: expect.stringContaining("Every attempt failed"),
    });
  });
});
