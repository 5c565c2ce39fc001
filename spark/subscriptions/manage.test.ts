import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { rowsOf } from "@/db/rows";
import { insertNewEvents } from "@/db/queries/events";
import { countBacklog, findSubscriptionById } from "@/db/queries/subscriptions";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import type { Deps } from "../deps";
import { runSubscription } from "./dispatch";
import { deleteSubscription, rotateSubscriptionSecretOnce } from "./manage";
import { createSubscription } from "./subscriptions";

describe(`deleting and rotating subscriptions on ${testDriver}`, () => {
  let database: Database;
  let deps: Deps;
  let now = new Date("2030-01-01T00:00:00Z");

  beforeAll(async () => {
    database = await openTestDatabase();
    deps = testDeps(database, {
      clock: () => now,
      subscribers: [
        {
          name: "refuser",
          handle() {
            throw new Error("not today");
          },
        },
        {
          name: "nul-refuser",
          handle() {
            throw new Error("broken\u0000reply");
          },
        },
      ],
      settings: { webhookAllowPrivate: true },
    });
  });
  afterAll(async () => {
    await database?.close();
  });

  it("deletes a subscription with its backlog and attempts, keeps the events, and a second delete finds nothing", async () => {
    const created = await createSubscription(deps, {
      input: { name: "doomed", kind: "code", groups: "doom", target: "refuser", attemptLimit: 1 },
      by: null,
    });
    if (created.status !== "ok") throw new Error(JSON.stringify(created));
    const id = created.subscription.id;
    await insertNewEvents(database.db, {
      events: [{ group: "doom", key: "doom:1", context: {}, generatorId: null, source: null }],
      jobRunId: null,
    });
    expect(await runSubscription(deps, { id, holder: "t" })).toMatchObject({ parked: 1 });

    expect(await deleteSubscription(deps, { id })).toEqual({ name: "doomed" });
    expect(await findSubscriptionById(database.db, { id })).toBeNull();
    expect(await countBacklog(database.db, { subscriptionId: id })).toEqual({ waiting: 0, parked: 0 });
    const attempts = rowsOf<{ n: number }>(
      await database.db.execute(
        sql`select count(*)::int as n from subscription_attempts where subscription_id = ${id}`,
      ),
    );
    expect(Number(attempts[0]!.n)).toBe(0);
    const events = rowsOf<{ key: string }>(await database.db.execute(sql`select key from events where key = 'doom:1'`));
    expect(events.map((e) => e.key)).toEqual(["doom:1"]);
    expect(await deleteSubscription(deps, { id })).toBeNull();
    expect(await deleteSubscription(deps, { id: "x' or 1=1 --" })).toBeNull();
  });

  it("rotates a webhook's secret once from the state the operator saw; a repeat rotates nothing", async () => {
    const created = await createSubscription(deps, {
      input: { name: "hook", kind: "webhook", groups: "*", target: "http://127.0.0.1:9/hook" },
      by: null,
    });
    if (created.status !== "ok") throw new Error(JSON.stringify(created));
    const id = created.subscription.id;
    const first = await rotateSubscriptionSecretOnce(deps, { id, seenPreviousUntil: null, by: null });
    if (first.status !== "ok") throw new Error(first.status);
    expect(first.secret).toMatch(/^whsec_/);
    expect(first.secret).not.toBe(created.secret);
    expect(first.previousUntil).toEqual(new Date(now.getTime() + 24 * 3_600_000));
    const stored = (await findSubscriptionById(database.db, { id }))!;
    expect(deps.connections.secrets!.open(stored.previousSecretSealed!)).toBe(created.secret);
    expect(deps.connections.secrets!.open(stored.secretSealed!)).toBe(first.secret);

    // The same post again: the rotation it saw is no longer the stored one.
    expect(await rotateSubscriptionSecretOnce(deps, { id, seenPreviousUntil: null, by: null })).toMatchObject({
      status: "rotated-meanwhile",
    });
    const unchanged = (await findSubscriptionById(database.db, { id }))!;
    expect(deps.connections.secrets!.open(unchanged.previousSecretSealed!)).toBe(created.secret);

    now = new Date(now.getTime() + 60_000);
    const second = await rotateSubscriptionSecretOnce(deps, {
      id,
      seenPreviousUntil: stored.previousSecretUntil,
      by: null,
    });
    expect(second.status).toBe("ok");
    const code = await createSubscription(deps, {
      input: { name: "code", kind: "code", groups: "*", target: "refuser" },
      by: null,
    });
    if (code.status !== "ok") throw new Error("code subscription not created");
    expect(
      await rotateSubscriptionSecretOnce(deps, { id: code.subscription.id, seenPreviousUntil: null, by: null }),
    ).toEqual({ status: "gone" });
  });
  it("keeps an attempt whose error holds a NUL, which PostgreSQL text cannot, with the NUL replaced", async () => {
    const created = await createSubscription(deps, {
      input: { name: "nul", kind: "code", groups: "nul", target: "nul-refuser", attemptLimit: 1 },
      by: null,
    });
    if (created.status !== "ok") throw new Error(JSON.stringify(created));
    const id = created.subscription.id;
    await insertNewEvents(database.db, {
      events: [{ group: "nul", key: "nul:1", context: {}, generatorId: null, source: null }],
      jobRunId: null,
    });
    expect(await runSubscription(deps, { id, holder: "t" })).toMatchObject({ parked: 1 });
    const [attempt] = rowsOf<{ error: string }>(
      await database.db.execute(sql`select error from subscription_attempts where subscription_id = ${id}`),
    );
    expect(attempt!.error).toBe("broken\ufffdreply");
    expect((await findSubscriptionById(database.db, { id }))!.lastError).toBe("broken\ufffdreply");
  });
});
