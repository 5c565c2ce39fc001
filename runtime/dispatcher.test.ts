import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Database } from "@/db/client";
import { insertNewEvents } from "@/db/queries/events";
import { findSubscriptionById } from "@/db/queries/subscriptions";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import type { ApiEvent } from "@/spark/producers/read";
import { createSubscription } from "@/spark/subscriptions/subscriptions";
import { startDispatcher } from "./dispatcher";

describe(`the dispatcher on ${testDriver}`, () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it("hands new events to subscriptions without a job pass, and lets go of its leases when stopped", async () => {
    const got: ApiEvent[] = [];
    const deps = testDeps(database, { subscribers: [{ name: "audit", handle: (event) => void got.push(event) }] });
    const created = await createSubscription(deps, {
      input: { name: "audit", kind: "code", groups: "audit.*", target: "audit", from: "now" },
      by: null,
    });
    if (created.status !== "ok") throw new Error(JSON.stringify(created.fieldErrors));
    const dispatcher = startDispatcher({ deps, holder: "test", idleMs: 20 });
    try {
      await insertNewEvents(database.db, {
        events: [1, 2, 3].map((n) => ({
          group: "audit.login",
          key: `audit:${n}`,
          context: {},
          generatorId: null,
          source: null,
        })),
        jobRunId: null,
      });
      await vi.waitFor(() => expect(got.map((e) => e.key)).toEqual(["audit:1", "audit:2", "audit:3"]), {
        timeout: 20_000,
        interval: 20,
      });
    } finally {
      await dispatcher.stop();
    }
    expect(await findSubscriptionById(database.db, { id: created.subscription.id })).toMatchObject({
      leaseHolder: null,
      deliveredCount: 3,
    });
  });

  it("wakes when events commit instead of waiting for its next look", async () => {
    const got: string[] = [];
    const deps = testDeps(database, { subscribers: [{ name: "woken", handle: (event) => void got.push(event.key) }] });
    const created = await createSubscription(deps, {
      input: { name: "woken", kind: "code", groups: "woken", target: "woken", from: "now" },
      by: null,
    });
    if (created.status !== "ok") throw new Error(JSON.stringify(created.fieldErrors));
    // An hour between looks: only the notification can bring the event over within the test.
    const dispatcher = startDispatcher({ deps, listen: database.listen, holder: "test", idleMs: 3_600_000 });
    try {
      // A notification sent before the LISTEN is in place is lost, and the next look is an hour away.
      await dispatcher.listening;
      await insertNewEvents(database.db, {
        events: [{ group: "woken", key: "woken:1", context: {}, generatorId: null, source: null }],
        jobRunId: null,
      });
      await vi.waitFor(() => expect(got).toEqual(["woken:1"]), { timeout: 20_000, interval: 20 });
    } finally {
      await dispatcher.stop();
    }
  });

  it("says it is listening only once the subscription is in place, and also when listening failed", async () => {
    const deps = testDeps(database);
    let subscribed: (unlisten: () => Promise<void>) => void = () => {};
    let heard: (() => void) | null = null;
    const dispatcher = startDispatcher({
      deps,
      listen: (_channel, onNotify) =>
        new Promise((resolve) => {
          heard = onNotify;
          subscribed = resolve;
        }),
      holder: "test",
      idleMs: 3_600_000,
    });
    try {
      let ready = false;
      void dispatcher.listening.then(() => (ready = true));
      // Every microtask and I/O callback queued so far runs before this.
      await new Promise((resolve) => setImmediate(resolve));
      expect(heard).not.toBeNull();
      expect(ready).toBe(false);
      subscribed(async () => {});
      await dispatcher.listening;
    } finally {
      await dispatcher.stop();
    }

    const warnings: string[] = [];
    const failing = startDispatcher({
      deps: { ...deps, log: { ...deps.log, warn: (message: string) => void warnings.push(message) } },
      listen: () => Promise.reject(new Error("no LISTEN here")),
      holder: "test",
      idleMs: 3_600_000,
    });
    try {
      await failing.listening;
      expect(warnings).toEqual(["listening for new events failed; subscriptions poll instead"]);
    } finally {
      await failing.stop();
    }
  });

  it("stops waiting to listen when stopped before the subscription is in place", async () => {
    let subscribed: (unlisten: () => Promise<void>) => void = () => {};
    const dispatcher = startDispatcher({
      deps: testDeps(database),
      listen: () => new Promise((resolve) => (subscribed = resolve)),
      holder: "test",
      idleMs: 3_600_000,
    });
    const stopping = dispatcher.stop();
    await dispatcher.listening;
    // Stop itself still undoes the LISTEN once it arrives, so the database is never closed under it.
    let unlistened = false;
    subscribed(async () => void (unlistened = true));
    await stopping;
    expect(unlistened).toBe(true);
  });
});
