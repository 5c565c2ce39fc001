import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { currentCommitPosition } from "@/db/queries/event-streams";
import { insertNewEvents } from "@/db/queries/events";
import { insertSubscription } from "@/db/queries/subscriptions";
import type { Deps } from "@/spark/deps";
import { runSubscription } from "@/spark/subscriptions/dispatch";
import type { CodeSubscriber } from "@/spark/subscriptions/subscribers";
import { setSubscriptionActive } from "@/spark/subscriptions/subscriptions";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import { loadNewSubscription, loadSubscriptionDetail, loadSubscriptions, subscriptionsHref } from "./subscriptions";

describe(`subscription views on ${testDriver}`, () => {
  let database: Database;
  let deps: Deps;
  const failing = new Set<string>();
  const received: string[] = [];
  const subscriber: CodeSubscriber = {
    name: "ledger",
    handle(event) {
      if (failing.has(event.key)) throw new Error(`ledger refused ${event.key}: ${"x".repeat(300)}`);
      received.push(event.key);
    },
  };

  beforeAll(async () => {
    database = await openTestDatabase();
    deps = testDeps(database, { subscribers: [subscriber] });
  });
  afterAll(async () => {
    await database?.close();
  });

  const record = (group: string, keys: string[]) =>
    insertNewEvents(database.db, {
      events: keys.map((key) => ({ group, key, context: { key }, generatorId: null, source: null })),
      jobRunId: null,
    });
  const subscribe = async (
    name: string,
    values: { kind?: "webhook" | "code"; target?: string; groupPattern?: string; secretSealed?: string | null } = {},
  ) =>
    (await insertSubscription(database.db, {
      name,
      kind: values.kind ?? "code",
      groupPattern: values.groupPattern ?? "*",
      target: values.target ?? "ledger",
      config: {},
      secretSealed: values.secretSealed ?? null,
      headersSealed: values.kind === "webhook" ? "sealed-headers-token" : null,
      strictOrder: false,
      attemptLimit: 1,
      updatedBy: null,
      from: await currentCommitPosition(database.db),
    }))!;

  it("lists each subscription's destination, lag, deliveries, backlog and last error, and never a secret", async () => {
    const ledger = await subscribe("Ledger", { groupPattern: "order.*" });
    const hook = await subscribe("audit-hook", {
      kind: "webhook",
      target: "https://example.com/hooks/spark?very=long",
      groupPattern: "order.placed",
      secretSealed: "sealed-signing-secret",
    });
    failing.add("order:2");
    await record("order.placed", ["order:1", "order:2", "order:3"]);
    await record("user.signup", ["user:1"]);
    const outcome = await runSubscription(deps, { id: ledger.id, holder: "test" });
    expect(outcome).toMatchObject({ delivered: 2, parked: 1 });

    const view = await loadSubscriptions(deps, {});
    expect(view.rows.map((r) => r.name)).toEqual(["audit-hook", "Ledger"]);
    const [audit, led] = view.rows;
    expect(led).toMatchObject({
      kind: "code",
      target: "ledger",
      groupPattern: "order.*",
      status: "active",
      delivered: 2,
      // Two handed on within the throughput window of five minutes.
      perMinute: 2 / 5,
      lag: { events: 0, capped: false, seconds: null },
      backlog: { waiting: 0, parked: 1 },
      lastError: expect.stringContaining("ledger refused order:2"),
      reader: null,
    });
    expect(led!.lastDeliveredAt).toBeInstanceOf(Date);
    // The webhook has not run: three order.placed events wait, the oldest recorded just now.
    expect(audit).toMatchObject({
      kind: "webhook",
      target: "https://example.com/hooks/spark?very=long",
      delivered: 0,
      perMinute: 0,
      lag: { events: 3, capped: false, seconds: expect.any(Number) },
      backlog: { waiting: 0, parked: 0 },
      lastDeliveredAt: null,
      previousSecretUntil: null,
      rotationSeen: "none",
    });
    const shown = JSON.stringify(view);
    expect(shown).not.toContain("sealed-signing-secret");
    expect(shown).not.toContain("sealed-headers-token");
    expect(shown).not.toMatch(/secretSealed|headersSealed/);

    await setSubscriptionActive(deps, { id: hook.id, active: false, by: null });
    expect((await loadSubscriptions(deps, { status: "paused" })).rows.map((r) => r.name)).toEqual(["audit-hook"]);
    expect((await loadSubscriptions(deps, { status: "disabled" })).rows).toEqual([]);
  });

  it("pages the list by name and drops a status or page it cannot read, saying so", async () => {
    await subscribe("zeta");
    const first = await loadSubscriptions(deps, {}, { pageSize: 2 });
    expect(first).toMatchObject({ page: 1, pages: 2, total: 3 });
    expect(first.rows.map((r) => r.name)).toEqual(["audit-hook", "Ledger"]);
    const second = await loadSubscriptions(deps, { page: "2" }, { pageSize: 2 });
    expect(second.rows.map((r) => r.name)).toEqual(["zeta"]);
    const bad = await loadSubscriptions(deps, { status: "gone", page: "-1" }, { pageSize: 2 });
    expect(bad.ignored.map((i) => i.name)).toEqual(["status", "page"]);
    expect(bad.page).toBe(1);
    expect(subscriptionsHref({ status: "paused", page: 2 })).toBe("/subscriptions?status=paused&page=2");
    expect(subscriptionsHref({ page: 1 })).toBe("/subscriptions");
    expect((await loadSubscriptions(deps, { deleted: "old-hook" })).deleted).toBe("old-hook");
    expect((await loadSubscriptions(deps, { deleted: ["a", "b"] })).deleted).toBeNull();
  });

  it("shows a subscription's parked events by key and its attempts newest first, a page at a time", async () => {
    const sub = await subscribe("pager", { groupPattern: "page" });
    const keys = Array.from({ length: 5 }, (_, i) => `page:${i + 1}`);
    failing.add("page:2").add("page:4");
    await record("page", keys);
    await runSubscription(deps, { id: sub.id, holder: "test" });

    const detail = (await loadSubscriptionDetail(deps, sub.id, {}, { pageSize: 3 }))!;
    expect(detail.parked.map((p) => [p.key, p.attempts])).toEqual([
      ["page:2", 1],
      ["page:4", 1],
    ]);
    expect(detail.parked[0]!.lastError).toContain("ledger refused page:2");
    expect(detail.parked[0]!.parkedAt).toBeInstanceOf(Date);
    // Three of the five were handed on just now: 3 over the 5-minute window.
    expect(detail.perMinute).toBe(3 / 5);
    expect(detail.attempts.map((a) => [a.eventKey, a.outcome])).toEqual([
      ["page:5", "delivered"],
      ["page:4", "parked"],
      ["page:3", "delivered"],
    ]);
    expect(detail.newer).toBeNull();
    expect(detail.older).not.toBeNull();
    const older = (await loadSubscriptionDetail(deps, sub.id, { before: String(detail.older) }, { pageSize: 3 }))!;
    expect(older.attempts.map((a) => a.eventKey)).toEqual(["page:2", "page:1"]);
    expect(older.older).toBeNull();
    const back = (await loadSubscriptionDetail(deps, sub.id, { after: String(older.newer) }, { pageSize: 3 }))!;
    expect(back.attempts.map((a) => a.eventKey)).toEqual(["page:5", "page:4", "page:3"]);

    const damaged = (await loadSubscriptionDetail(deps, sub.id, { before: "abc" }))!;
    expect(damaged.ignored.map((i) => i.name)).toEqual(["before"]);
    expect(await loadSubscriptionDetail(deps, "not-a-uuid", {})).toBeNull();
    expect(await loadSubscriptionDetail(deps, "00000000-0000-4000-8000-000000000000", {})).toBeNull();
  });

  it("offers the registered code subscribers and says whether secrets can be sealed", () => {
    expect(loadNewSubscription(deps)).toEqual({ subscribers: ["ledger"], canSealSecrets: true, allowPrivate: false });
    const unsealed = testDeps(database, { connections: { ...deps.connections, secrets: null } });
    expect(loadNewSubscription(unsealed)).toMatchObject({ subscribers: [], canSealSecrets: false });
  });
});
