import { sql } from "drizzle-orm";
import { rowsOf } from "@/db/rows";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { insertNewEvents } from "@/db/queries/events";
import { countBacklog, findSubscriptionById, listDueBacklog } from "@/db/queries/subscriptions";
import { subscriptionBacklog } from "@/db/schema";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import { Receiver } from "@/testing/webhook-receiver";
import { runSubscription } from "./dispatch";
import {
  countEventsAfter,
  createSubscription,
  describeSubscription,
  replayParked,
  resetSubscription,
  rotateSubscriptionSecret,
  sendEventsAgain,
} from "./subscriptions";

describe(`webhook subscriptions on ${testDriver}, to a receiver that verifies with standardwebhooks`, () => {
  let database: Database;
  let receiver: Receiver;
  let url: string;
  let seq = 0;
  const deps = (allowPrivate = true) => testDeps(database, { settings: { webhookAllowPrivate: allowPrivate } });

  beforeAll(async () => {
    database = await openTestDatabase();
    receiver = new Receiver();
    url = await receiver.start();
  });
  afterAll(async () => {
    await receiver?.stop();
    await database?.close();
  });
  beforeEach(() => {
    receiver.received.length = 0;
    receiver.answer = () => ({ status: 204 });
  });

  const record = async (group: string, count: number) => {
    const keys = Array.from({ length: count }, () => `${group}:${++seq}`);
    await insertNewEvents(database.db, {
      events: keys.map((key) => ({ group, key, context: { key }, generatorId: null, source: null })),
      jobRunId: null,
    });
    return keys;
  };
  const subscribe = async (name: string, groups: string, extra: Record<string, unknown> = {}) => {
    const created = await createSubscription(deps(), {
      input: { name, kind: "webhook", groups, target: url, from: "now", ...extra },
      by: null,
    });
    if (created.status !== "ok") throw new Error(JSON.stringify(created.fieldErrors));
    return created;
  };

  it("signs every request so the receiver verifies it, in commit order, with a webhook-id stable per event and endpoint", async () => {
    const { subscription, secret } = await subscribe("signed", "signed.*");
    expect(secret).toMatch(/^whsec_/);
    const keys = await record("signed.created", 3);
    expect(await runSubscription(deps(), { id: subscription.id, holder: "t" })).toMatchObject({ delivered: 3 });
    const payloads = receiver.verified(secret!) as { type: string; data: { key: string; context: unknown } }[];
    expect(payloads.map((p) => p.data.key)).toEqual(keys);
    expect(payloads[0]).toMatchObject({
      type: "signed.created",
      data: { group: "signed.created", context: { key: keys[0] } },
    });
    expect(receiver.received[0]!.headers["content-type"]).toBe("application/json");
    // A reset re-sends with the same ids, so the receiver can drop what it already has.
    const ids = receiver.received.map((r) => r.headers["webhook-id"]);
    expect(new Set(ids).size).toBe(3);
    const reset = await resetSubscription(deps(), { id: subscription.id, to: "beginning", by: null });
    expect(reset).toMatchObject({ status: "confirm", resend: 3 });
    expect(
      await resetSubscription(deps(), { id: subscription.id, to: "beginning", confirmedCount: 3, by: null }),
    ).toEqual({
      status: "ok",
      resend: 3,
    });
    receiver.received.length = 0;
    await runSubscription(deps(), { id: subscription.id, holder: "t" });
    expect(receiver.received.map((r) => r.headers["webhook-id"])).toEqual(ids);
  });

  it("keeps the replaced secret signing for a day after a rotation: either secret verifies", async () => {
    const { subscription, secret: old } = await subscribe("rotated", "rotated");
    const rotated = await rotateSubscriptionSecret(deps(), { id: subscription.id, by: null });
    if (rotated.status !== "ok") throw new Error(rotated.status);
    await record("rotated", 1);
    await runSubscription(deps(), { id: subscription.id, holder: "t" });
    expect(String(receiver.received[0]!.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    expect(receiver.verified(old!)).toHaveLength(1);
    expect(receiver.verified(rotated.secret)).toHaveLength(1);
  });

  it("waits as long as Retry-After asks on 503, parks after the attempt limit, and replays on request", async () => {
    const { subscription } = await subscribe("busy", "busy", { attemptLimit: 1 });
    receiver.answer = () => ({ status: 503, headers: { "retry-after": "120" } });
    const [key] = await record("busy", 1);
    expect(await runSubscription(deps(), { id: subscription.id, holder: "t" })).toMatchObject({ parked: 1 });
    expect(await countBacklog(database.db, { subscriptionId: subscription.id })).toEqual({ waiting: 0, parked: 1 });
    const state = await describeSubscription(deps(), { id: subscription.id });
    expect(state).toMatchObject({
      backlog: { parked: 1 },
      subscription: { lastError: expect.stringContaining("503") },
    });
    expect(JSON.stringify(state)).not.toContain("whsec_");
    receiver.answer = () => ({ status: 200 });
    expect(await replayParked(deps(), { id: subscription.id, eventIds: null })).toBe(1);
    await runSubscription(deps(), { id: subscription.id, holder: "t" });
    expect(receiver.received.at(-1)!.body).toContain(key!);
    expect(await countBacklog(database.db, { subscriptionId: subscription.id })).toEqual({ waiting: 0, parked: 0 });
  });

  it("sends a delivered event again on request, with the same webhook-id, once however often it is asked", async () => {
    const { subscription, secret } = await subscribe("again", "again.*");
    const [first, second] = await record("again.made", 2);
    await runSubscription(deps(), { id: subscription.id, holder: "t" });
    expect(receiver.received).toHaveLength(2);
    const ids = rowsOf<{ id: string | number }>(
      await database.db.execute(sql`select id from events where key in (${first}, ${second}) order by id`),
    );
    const [firstId] = ids.map((r) => Number(r.id));
    const id = subscription.id;
    expect(await sendEventsAgain(deps(), { id, eventIds: [firstId!] })).toEqual({ status: "queued", queued: 1 });
    // Asked again before the dispatcher ran: it is already waiting, and goes once.
    expect(await sendEventsAgain(deps(), { id, eventIds: [firstId!] })).toEqual({ status: "already-queued" });
    await runSubscription(deps(), { id, holder: "t" });
    expect(receiver.received).toHaveLength(3);
    const [original, again] = receiver.received.filter((r) => r.body.includes(first!));
    expect(again!.headers["webhook-id"]).toBe(original!.headers["webhook-id"]);
    expect(receiver.verified(secret!).at(-1)).toMatchObject({ data: { key: first } });
    expect(await countBacklog(database.db, { subscriptionId: id })).toEqual({ waiting: 0, parked: 0 });

    // An event recorded since is not handed on yet; one of other groups, or unknown, is not its own.
    const [later] = await record("again.made", 1);
    const laterId = Number(
      rowsOf<{ id: string }>(await database.db.execute(sql`select id from events where key = ${later}`))[0]!.id,
    );
    expect(await sendEventsAgain(deps(), { id, eventIds: [laterId] })).toEqual({ status: "not-yet" });
    const [other] = await record("elsewhere", 1);
    const otherId = Number(
      rowsOf<{ id: string }>(await database.db.execute(sql`select id from events where key = ${other}`))[0]!.id,
    );
    expect(await sendEventsAgain(deps(), { id, eventIds: [otherId] })).toEqual({ status: "not-found" });
    expect(await sendEventsAgain(deps(), { id, eventIds: [9_999_999] })).toEqual({ status: "not-found" });
    expect(await sendEventsAgain(deps(), { id: "not-a-uuid", eventIds: [firstId!] })).toEqual({ status: "not-found" });
    const strict = await subscribe("again-strict", "again.*", { strictOrder: true, from: "beginning" });
    expect(await sendEventsAgain(deps(), { id: strict.subscription.id, eventIds: [firstId!] })).toEqual({
      status: "strict",
    });
  });

  it("honours Retry-After when it is longer than the schedule's next step", async () => {
    const { subscription } = await subscribe("slow-down", "slow-down");
    receiver.answer = () => ({ status: 429, headers: { "retry-after": "3600" } });
    await record("slow-down", 1);
    const before = Date.now();
    await runSubscription(deps(), { id: subscription.id, holder: "t" });
    const [row] = await database.db.select().from(subscriptionBacklog);
    expect(row!.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(before + 3_600_000 - 1000);
    expect(await listDueBacklog(database.db, { subscriptionId: subscription.id, now: new Date(), limit: 10 })).toEqual(
      [],
    );
    await database.db.delete(subscriptionBacklog);
  });

  it("disables the endpoint when it answers 410 Gone", async () => {
    const { subscription } = await subscribe("gone", "gone");
    receiver.answer = () => ({ status: 410 });
    await record("gone", 2);
    expect(await runSubscription(deps(), { id: subscription.id, holder: "t" })).toMatchObject({ status: "disabled" });
    expect(receiver.received).toHaveLength(1);
    expect(await findSubscriptionById(database.db, { id: subscription.id })).toMatchObject({
      status: "disabled",
      disabledReason: expect.stringContaining("410"),
    });
  });

  it("refuses an endpoint on loopback, link-local or private addresses unless they are allowed, and says how", async () => {
    for (const target of [
      "http://127.0.0.1/x",
      "http://[::1]/x",
      "http://169.254.169.254/latest",
      "http://10.0.0.1/",
      "http://localhost:3000/",
    ]) {
      const refused = await createSubscription(deps(false), {
        input: { name: `ssrf ${++seq}`, kind: "webhook", groups: "*", target },
        by: null,
      });
      expect(refused, target).toMatchObject({
        status: "invalid",
        fieldErrors: { target: [expect.stringContaining("SPARK_WEBHOOK_ALLOW_PRIVATE")] },
      });
    }
    // Allowed when created, refused when sent: the address is checked again at send time.
    const { subscription } = await subscribe("recheck", "recheck");
    await record("recheck", 1);
    const outcome = await runSubscription(deps(false), { id: subscription.id, holder: "t" });
    expect(outcome).toMatchObject({ failed: 1, delivered: 0 });
    expect(receiver.received).toHaveLength(0);
  });

  it("counts what a reset would re-send before doing it, and refuses an unknown subscription", async () => {
    const { subscription } = await subscribe("counted", "counted");
    await record("counted", 4);
    expect(await countEventsAfter(deps(), { subscription, from: { tx: "0", id: 0 } })).toEqual({
      count: 4,
      capped: false,
    });
    expect(
      await resetSubscription(deps(), { id: "00000000-0000-4000-8000-000000000000", to: "now", by: null }),
    ).toEqual({
      status: "gone",
    });
    expect(await resetSubscription(deps(), { id: "not a uuid", to: "now", by: null })).toEqual({ status: "gone" });
  });
});
