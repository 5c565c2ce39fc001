import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "@/db/rows";
import type { Database } from "@/db/client";
import { insertNewEvents } from "@/db/queries/events";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import { createDestination, destinationAction, destinationState, updateDestination } from "./api";
import { runSubscription } from "./dispatch";

describe(`the destinations API's engine on ${testDriver}`, () => {
  let database: Database;
  let failing = true;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });
  const deps = () =>
    testDeps(database, {
      settings: { webhookAllowPrivate: false },
      subscribers: [
        {
          name: "ledger",
          handle: () => {
            if (failing) throw new Error("ledger is down");
          },
        },
      ],
    });

  it("creates a webhook destination with its secret once, and refuses what it cannot accept, naming the field", async () => {
    expect(
      await createDestination(deps(), { name: "w", kind: "webhook", groups: "*", url: "http://10.1.2.3/hook" }),
    ).toMatchObject({
      status: 400,
      body: { field: "url", error: expect.stringContaining("SPARK_WEBHOOK_ALLOW_PRIVATE") },
    });
    expect(await createDestination(deps(), { name: "w", kind: "webhook", groups: "*" })).toMatchObject({
      status: 400,
      body: { error: "A webhook destination needs its url." },
    });
    expect(await createDestination(deps(), { name: "w", kind: "smtp", groups: "*" })).toMatchObject({ status: 400 });
    expect(
      await createDestination(deps(), { name: "w", kind: "code", groups: "a b", subscriber: "ledger" }),
    ).toMatchObject({
      status: 400,
      body: { field: "groups" },
    });
    expect(
      await createDestination(deps(), { name: "w", kind: "code", groups: "*", subscriber: "nobody" }),
    ).toMatchObject({
      status: 400,
      body: { field: "subscriber", error: expect.stringContaining("ledger") },
    });
    expect(
      await createDestination(deps(), { name: "w", kind: "code", groups: "*", subscriber: "ledger", extra: 1 }),
    ).toMatchObject({
      status: 400,
    });
  });

  it("reports state, pauses and resumes, replays parked events and resets only when the count is confirmed", async () => {
    const created = await createDestination(deps(), {
      name: "ledger",
      kind: "code",
      groups: "ledger.*",
      subscriber: "ledger",
      attemptLimit: 1,
    });
    expect(created).toMatchObject({ status: 201, body: { id: expect.any(String) } });
    expect(created.body).not.toHaveProperty("secret");
    const id = created.body.id as string;
    await insertNewEvents(database.db, {
      events: [1, 2].map((n) => ({
        group: "ledger.entry",
        key: `ledger:${n}`,
        context: {},
        generatorId: null,
        source: null,
      })),
      jobRunId: null,
    });
    expect(await destinationState(deps(), id)).toMatchObject({
      status: 200,
      body: { status: "active", lag: { events: 2 }, backlog: { waiting: 0, parked: 0 } },
    });
    await runSubscription(deps(), { id, holder: "t" });
    expect(await destinationState(deps(), id)).toMatchObject({
      body: { lag: { events: 0 }, backlog: { parked: 2 }, lastError: "ledger is down" },
    });
    expect(await destinationAction(deps(), id, "pause", {})).toMatchObject({ status: 200, body: { status: "paused" } });
    expect(await runSubscription(deps(), { id, holder: "t" })).toMatchObject({ status: "inactive" });
    expect(await destinationAction(deps(), id, "resume", {})).toMatchObject({ body: { status: "active" } });
    failing = false;
    expect(await destinationAction(deps(), id, "replay", { eventIds: "all" })).toMatchObject({ status: 400 });
    expect(await destinationAction(deps(), id, "replay", {})).toEqual({ status: 200, body: { replayed: 2 } });
    expect(await runSubscription(deps(), { id, holder: "t" })).toMatchObject({ delivered: 2 });
    // A delivered event named to replay goes out again.
    const [delivered] = rowsOf<{ id: string }>(
      await database.db.execute(sql`select id from events where key = 'ledger:1'`),
    );
    expect(await destinationAction(deps(), id, "replay", { eventIds: [Number(delivered!.id)] })).toEqual({
      status: 200,
      body: { replayed: 1 },
    });
    expect(await runSubscription(deps(), { id, holder: "t" })).toMatchObject({ delivered: 1 });
    const reset = await destinationAction(deps(), id, "reset", { to: "beginning" });
    expect(reset).toMatchObject({
      status: 409,
      body: { resend: 2, error: expect.stringContaining('"confirmedCount": 2') },
    });
    expect(await destinationAction(deps(), id, "reset", { to: "beginning", confirmedCount: 2 })).toEqual({
      status: 200,
      body: { resend: 2 },
    });
    expect(await destinationAction(deps(), id, "rewind", {})).toMatchObject({ status: 404 });
    expect(await destinationState(deps(), "00000000-0000-4000-8000-000000000000")).toMatchObject({ status: 404 });
    expect(await destinationAction(deps(), "x'; drop table events;--", "pause", {})).toMatchObject({ status: 404 });
  });
  it("changes a destination in place: named fields change, the rest stays, a stale version is 409", async () => {
    const created = await createDestination(deps(), {
      name: "patched",
      kind: "code",
      groups: "patched.*",
      subscriber: "ledger",
      attemptLimit: 3,
    });
    const id = created.body.id as string;
    const before = await destinationState(deps(), id);
    expect(before.body).toMatchObject({ version: 1, settings: {} });
    expect(await updateDestination(deps(), id, { version: 1, groups: "patched.v2.*", attemptLimit: 5 })).toMatchObject({
      status: 200,
      body: { name: "patched", groups: "patched.v2.*", attemptLimit: 5, target: "ledger", version: 2 },
    });
    // The same version again: someone changed it since.
    expect(await updateDestination(deps(), id, { version: 1, attemptLimit: 9 })).toMatchObject({
      status: 409,
      body: { version: 2, error: expect.stringContaining("since you opened it") },
    });
    // Without a version, the change applies to what is stored now.
    expect(await updateDestination(deps(), id, { strictOrder: true })).toMatchObject({
      status: 200,
      body: { strictOrder: true, attemptLimit: 5, version: 3 },
    });
    expect(await updateDestination(deps(), id, { subscriber: "nobody" })).toMatchObject({
      status: 400,
      body: { field: "subscriber" },
    });
    expect(await updateDestination(deps(), id, { groups: "a b" })).toMatchObject({
      status: 400,
      body: { field: "groups" },
    });
    expect(await updateDestination(deps(), id, { kind: "webhook" })).toMatchObject({ status: 400 });
    expect(await updateDestination(deps(), id, "not an object")).toMatchObject({ status: 400 });
    expect(await updateDestination(deps(), "00000000-0000-4000-8000-000000000000", {})).toMatchObject({ status: 404 });
    expect(await destinationState(deps(), id)).toMatchObject({ body: { version: 3, groups: "patched.v2.*" } });
  });
});
