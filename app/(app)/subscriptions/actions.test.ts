import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The actions read the session cookie and the engine through Next; both are stubbed so the real
// requireSession and requireAdmin run against a test database, as a hostile operator's direct post would reach them.
const h = vi.hoisted(() => ({ token: undefined as string | undefined, engine: null as unknown }));

vi.mock("server-only", () => ({}));
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: () => (h.token ? { value: h.token } : undefined), set: () => {}, delete: () => {} }),
  headers: async () => new Headers(),
}));
vi.mock("next/navigation", () => ({
  redirect: (url: string) => {
    throw Object.assign(new Error(`NEXT_REDIRECT ${url}`), { redirectTo: url });
  },
}));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("@/app/_server/engine", () => ({ getEngine: async () => h.engine }));

import type { FormState } from "@/components/forms/form-state";
import { decodeCreatedWebhook } from "@/components/subscriptions/created-secret";
import { createOperator } from "@/spark/accounts/accounts";
import { startSession } from "@/spark/accounts/sessions";
import type { Deps } from "@/spark/deps";
import { runSubscription } from "@/spark/subscriptions/dispatch";
import { recordEvents } from "@/spark/events/record";
import { createSubscription, describeSubscription } from "@/spark/subscriptions/subscriptions";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import {
  createSubscriptionAction,
  deleteSubscriptionAction,
  replayAllParkedAction,
  replayParkedEventAction,
  rewindSubscriptionAction,
  rotateSecretAction,
  sendEventAgainAction,
  setSubscriptionActiveAction,
  updateSubscriptionAction,
} from "./actions";

const idle: FormState = { status: "idle" };
const form = (entries: Record<string, string>) => {
  const data = new FormData();
  for (const [name, value] of Object.entries(entries)) data.append(name, value);
  return data;
};
const redirectOf = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: { redirectTo?: string }) => error.redirectTo ?? String(error),
  );
const FORGED = ["' or 1=1 --", "00000000-0000-4000-8000-000000000000", ""];

describe(`the subscription actions on ${testDriver}`, () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let deps: Deps;
  let adminToken = "";
  let operatorToken = "";
  let adminId = "";
  let seq = 0;
  const failing = new Set<string>();

  beforeAll(async () => {
    database = await openTestDatabase();
    deps = testDeps(database, {
      subscribers: [
        {
          name: "sink",
          handle(event) {
            if (failing.has(event.key)) throw new Error(`sink refused ${event.key}`);
          },
        },
      ],
    });
    h.engine = { deps, database, config: { publicUrl: "http://spark.test" } };
    const admin = await createOperator(deps, {
      email: "admin@example.com",
      password: "admin password 1234",
      role: "admin",
      createdBy: null,
    });
    const operator = await createOperator(deps, {
      email: "op@example.com",
      password: "operator password 1234",
      role: "operator",
      createdBy: admin!.id,
    });
    adminId = admin!.id;
    adminToken = (await startSession(deps, { userId: admin!.id, days: 1 })).token;
    operatorToken = (await startSession(deps, { userId: operator!.id, days: 1 })).token;
  });
  afterAll(async () => {
    await database?.close();
  });

  const codeSubscription = async (name: string, groups: string, attemptLimit = 1) => {
    const created = await createSubscription(deps, {
      input: { name, kind: "code", groups, target: "sink", attemptLimit, from: "beginning" },
      by: adminId,
    });
    if (created.status !== "ok") throw new Error(JSON.stringify(created));
    return created.subscription;
  };
  const record = async (group: string, count: number) => {
    const keys = Array.from({ length: count }, () => `${group}:${++seq}`);
    await recordEvents(deps, {
      events: keys.map((key) => ({ group, key, context: {}, generatorId: null, source: null })),
      handlers: [],
    });
    return keys;
  };
  // The stored row, sealed values included, which no page or engine read hands out.
  const stored = async (id: string) =>
    (await database.db.query.subscriptions.findFirst({ where: (s, { eq }) => eq(s.id, id) })) ?? null;
  const backlogOf = async (id: string) =>
    (await describeSubscription(deps, { id }))?.backlog ?? { waiting: 0, parked: 0 };
  const webhookForm = (name: string, extra: Record<string, string> = {}) =>
    form({
      name,
      kind: "webhook",
      url: "https://93.184.215.14/hooks/spark",
      subscriber: "",
      groups: "order.*",
      from: "now",
      fromTime: "",
      attemptLimit: "8",
      ...extra,
    });

  it("refuses an operator who is not an admin every admin action, and a visitor with no session every action", async () => {
    const sub = await codeSubscription("guarded", "guarded");
    const before = (await stored(sub.id))!;
    h.token = operatorToken;
    expect(await redirectOf(createSubscriptionAction(idle, webhookForm("sneaky")))).toBe("/settings/account");
    expect(
      await redirectOf(
        rewindSubscriptionAction(idle, form({ id: sub.id, to: "beginning", version: "1", confirmedCount: "0" })),
      ),
    ).toBe("/settings/account");
    expect(await redirectOf(rotateSecretAction(idle, form({ id: sub.id, seen: "none" })))).toBe("/settings/account");
    expect(await redirectOf(deleteSubscriptionAction(idle, form({ id: sub.id })))).toBe("/settings/account");
    expect(await stored(sub.id)).toEqual(before);
    expect(JSON.stringify(await database.db.query.subscriptions.findMany())).not.toContain("sneaky");

    h.token = undefined;
    // Each attempt starts only when it is awaited: a refused promise left waiting would be unhandled.
    const all = [
      () => createSubscriptionAction(idle, webhookForm("anonymous")),
      () => setSubscriptionActiveAction(false, idle, form({ id: sub.id })),
      () => replayParkedEventAction(idle, form({ id: sub.id, eventId: "1" })),
      () => replayAllParkedAction(idle, form({ id: sub.id, count: "1" })),
      () => rewindSubscriptionAction(idle, form({ id: sub.id, to: "now", version: "1" })),
      () => rotateSecretAction(idle, form({ id: sub.id, seen: "none" })),
      () => deleteSubscriptionAction(idle, form({ id: sub.id })),
    ];
    for (const attempt of all) expect(await redirectOf(attempt())).toBe("/login");
    expect(await stored(sub.id)).toEqual(before);
  });

  it("lets an operator pause, resume and replay; a repeat of each says it is done and changes nothing", async () => {
    h.token = operatorToken;
    const sub = await codeSubscription("steered", "steered");
    failing.clear();
    const [, bad] = await record("steered", 2);
    failing.add(bad!);
    await runSubscription(deps, { id: sub.id, holder: "t" });
    expect(await backlogOf(sub.id)).toEqual({ waiting: 0, parked: 1 });

    const pause = () => setSubscriptionActiveAction(false, idle, form({ id: sub.id }));
    expect(await pause()).toMatchObject({ status: "ok", message: expect.stringMatching(/^Paused/) });
    expect(await pause()).toEqual({ status: "ok", message: "It was already paused." });
    expect((await stored(sub.id))!.status).toBe("paused");
    expect(await setSubscriptionActiveAction(true, idle, form({ id: sub.id }))).toMatchObject({ status: "ok" });
    expect((await stored(sub.id))!.status).toBe("active");

    const parkedId = (await database.db.query.subscriptionBacklog.findFirst({
      where: (b, { eq }) => eq(b.subscriptionId, sub.id),
    }))!.eventId;
    const replay = () => replayParkedEventAction(idle, form({ id: sub.id, eventId: String(parkedId) }));
    expect(await replay()).toEqual({ status: "ok", message: "Queued again: the next attempt is now." });
    expect(await backlogOf(sub.id)).toEqual({ waiting: 1, parked: 0 });
    expect(await replay()).toMatchObject({ status: "ok", message: expect.stringMatching(/no longer parked/) });

    for (const id of FORGED) {
      expect(await setSubscriptionActiveAction(false, idle, form({ id }))).toEqual({
        status: "error",
        message: "Unknown subscription; reload the page.",
      });
      expect(await replayParkedEventAction(idle, form({ id, eventId: "1" }))).toEqual(
        id === FORGED[1]
          ? { status: "ok", message: "It is no longer parked: already replayed, or the subscription is gone." }
          : { status: "error", message: "Unknown parked event; reload the page." },
      );
    }
    // Another subscription's parked event cannot be replayed through this one's id.
    const other = await codeSubscription("other", "other");
    const [otherKey] = await record("other", 1);
    failing.add(otherKey!);
    await runSubscription(deps, { id: other.id, holder: "t" });
    const otherParked = (await database.db.query.subscriptionBacklog.findFirst({
      where: (b, { eq }) => eq(b.subscriptionId, other.id),
    }))!.eventId;
    expect(await replayParkedEventAction(idle, form({ id: sub.id, eventId: String(otherParked) }))).toMatchObject({
      message: expect.stringMatching(/no longer parked/),
    });
    expect(await backlogOf(other.id)).toEqual({ waiting: 0, parked: 1 });
    expect(await replayParkedEventAction(idle, form({ id: sub.id, eventId: "1e309" }))).toEqual({
      status: "error",
      message: "Unknown parked event; reload the page.",
    });
  });

  it("lets an operator send a delivered event again, once per press, only by an attempt that delivered it to that subscription", async () => {
    h.token = operatorToken;
    failing.clear();
    const sub = await codeSubscription("resent", "resent");
    const [good] = await record("resent", 1);
    await runSubscription(deps, { id: sub.id, holder: "t" });
    const eventId = (await database.db.query.events.findFirst({ where: (e, { eq }) => eq(e.key, good!) }))!.id;
    const attemptId = (await database.db.query.subscriptionAttempts.findFirst({
      where: (a, { and, eq }) => and(eq(a.subscriptionId, sub.id), eq(a.eventId, eventId)),
    }))!.id;
    const again = () => sendEventAgainAction(idle, form({ id: sub.id, attemptId: String(attemptId) }));
    expect(await again()).toMatchObject({ status: "ok", message: expect.stringMatching(/^Queued/) });
    expect(await again()).toEqual({ status: "ok", message: "It is already waiting for an attempt." });
    expect(await backlogOf(sub.id)).toEqual({ waiting: 1, parked: 0 });
    expect(await runSubscription(deps, { id: sub.id, holder: "t" })).toMatchObject({ delivered: 1 });
    // Another subscription's attempt (even for an event of its groups, from before it started), a
    // forged id, and no session.
    const other = await codeSubscription("resent-other", "resent*");
    expect(await sendEventAgainAction(idle, form({ id: other.id, attemptId: String(attemptId) }))).toMatchObject({
      status: "error",
    });
    expect(await backlogOf(other.id)).toEqual({ waiting: 0, parked: 0 });
    for (const id of FORGED)
      expect(await sendEventAgainAction(idle, form({ id, attemptId: String(attemptId) }))).toMatchObject({
        status: "error",
      });
    h.token = undefined;
    expect(await redirectOf(sendEventAgainAction(idle, form({ id: sub.id, attemptId: String(attemptId) })))).toBe(
      "/login",
    );
    expect(await backlogOf(sub.id)).toEqual({ waiting: 0, parked: 0 });
  });

  it("replays all parked events only with the count that was confirmed", async () => {
    h.token = operatorToken;
    const sub = await codeSubscription("bulk", "bulk");
    const keys = await record("bulk", 3);
    for (const k of keys) failing.add(k);
    await runSubscription(deps, { id: sub.id, holder: "t" });
    expect(await replayAllParkedAction(idle, form({ id: sub.id, count: "2" }))).toMatchObject({
      status: "error",
      message: expect.stringContaining("3 events are parked now, not 2"),
    });
    expect(await backlogOf(sub.id)).toEqual({ waiting: 0, parked: 3 });
    expect(await replayAllParkedAction(idle, form({ id: sub.id, count: "3" }))).toEqual({
      status: "ok",
      message: "Queued 3 parked events again.",
    });
    expect(await replayAllParkedAction(idle, form({ id: sub.id, count: "3" }))).toMatchObject({
      status: "ok",
      message: expect.stringMatching(/^Nothing is parked now/),
    });
    expect(await replayAllParkedAction(idle, form({ id: sub.id, count: "-1" }))).toMatchObject({ status: "error" });
  });

  it("creates a webhook for an admin and answers its secret once; a refusal keeps the values, never a header's value", async () => {
    h.token = adminToken;
    const state = await createSubscriptionAction(
      idle,
      webhookForm("orders-hook", { "headers.0.name": "Authorization", "headers.0.value": "Bearer token-123" }),
    );
    expect(state.status).toBe("ok");
    const created = decodeCreatedWebhook(state.status === "ok" ? state.message : undefined)!;
    expect(created.secret).toMatch(/^whsec_/);
    const row = (await stored(created.id))!;
    expect(row).toMatchObject({ name: "orders-hook", kind: "webhook", groupPattern: "order.*", updatedBy: adminId });
    expect(deps.connections.secrets!.open(row.secretSealed!)).toBe(created.secret);
    expect(JSON.parse(deps.connections.secrets!.open(row.headersSealed!))).toEqual({
      Authorization: "Bearer token-123",
    });

    const private_ = await createSubscriptionAction(
      idle,
      webhookForm("local", {
        url: "http://127.0.0.1:8080/hook",
        "headers.0.name": "X-Token",
        "headers.0.value": "very-secret",
      }),
    );
    expect(private_).toMatchObject({
      status: "invalid",
      fieldErrors: { url: [expect.stringContaining("SPARK_WEBHOOK_ALLOW_PRIVATE")] },
      values: { name: "local", url: "http://127.0.0.1:8080/hook", groups: "order.*", "headers.0.name": "X-Token" },
    });
    expect(JSON.stringify(private_)).not.toContain("very-secret");

    const wrong = await createSubscriptionAction(
      idle,
      webhookForm("orders-hook", { groups: "has space", attemptLimit: "0", from: "time", fromTime: "2026-02-31" }),
    );
    expect(wrong).toMatchObject({
      status: "invalid",
      fieldErrors: { attemptLimit: [expect.any(String)] },
    });
    const badTime = await createSubscriptionAction(idle, webhookForm("t", { from: "time", fromTime: "2026-02-31" }));
    expect(badTime).toMatchObject({ status: "invalid", fieldErrors: { fromTime: [expect.any(String)] } });
    const taken = await createSubscriptionAction(idle, webhookForm("Orders-Hook"));
    expect(taken).toMatchObject({ status: "invalid", fieldErrors: { name: [expect.stringContaining("already")] } });
    const badGroups = await createSubscriptionAction(idle, webhookForm("g", { groups: "has space" }));
    expect(badGroups).toMatchObject({ status: "invalid", fieldErrors: { groups: [expect.any(String)] } });
    const reserved = await createSubscriptionAction(
      idle,
      webhookForm("h", { "headers.0.name": "webhook-signature", "headers.0.value": "v1,forged" }),
    );
    expect(reserved).toMatchObject({
      status: "invalid",
      fieldErrors: { headers: [expect.stringContaining("itself")] },
    });
    const smuggled = await createSubscriptionAction(
      idle,
      webhookForm("s", { "headers.0.name": "X-A", "headers.0.value": "a\r\nHost: evil" }),
    );
    expect(smuggled).toMatchObject({ status: "invalid", fieldErrors: { headers: [expect.any(String)] } });
    const flood = webhookForm("flood");
    for (let i = 0; i < 500; i++) flood.append(`headers.${i}.name`, `X-${i}`);
    expect(await createSubscriptionAction(idle, flood)).toMatchObject({ status: "invalid" });
    const names = (await database.db.query.subscriptions.findMany()).map((s) => s.name);
    for (const refused of ["local", "t", "g", "h", "s", "flood"]) expect(names).not.toContain(refused);
  });

  it("creates a code subscription and opens its page; an unregistered subscriber is refused by its field", async () => {
    h.token = adminToken;
    const code = (subscriber: string, name: string) =>
      createSubscriptionAction(
        idle,
        form({
          name,
          kind: "code",
          url: "",
          subscriber,
          groups: "*",
          from: "beginning",
          fromTime: "",
          attemptLimit: "3",
        }),
      );
    const target = await redirectOf(code("sink", "code-sink"));
    expect(target).toMatch(/^\/subscriptions\/[0-9a-f-]{36}\?created=1$/);
    expect(await code("missing", "code-missing")).toMatchObject({
      status: "invalid",
      fieldErrors: { subscriber: [expect.stringContaining('No code subscriber named "missing"')] },
    });
  });

  it("edits a webhook in place for an admin: the secret, checkpoint and a blank header's value stay; a stale form is refused", async () => {
    h.token = adminToken;
    const state = await createSubscriptionAction(
      idle,
      webhookForm("edited-hook", {
        "headers.0.name": "Authorization",
        "headers.0.value": "Bearer kept",
        "headers.1.name": "X-Old",
        "headers.1.value": "old",
      }),
    );
    const created = decodeCreatedWebhook(state.status === "ok" ? state.message : undefined)!;
    const before = (await stored(created.id))!;
    const base = JSON.stringify({
      name: before.name,
      groupPattern: before.groupPattern,
      target: before.target,
      config: before.config,
      strictOrder: before.strictOrder,
      attemptLimit: before.attemptLimit,
    });
    const edit = (extra: Record<string, string>) =>
      form({
        id: created.id,
        version: "1",
        base,
        headersShown: "1",
        name: "edited-hook",
        kind: "webhook",
        url: "https://93.184.215.14/hooks/moved",
        groups: "order.paid",
        attemptLimit: "4",
        strictOrder: "on",
        "headers.0.name": "Authorization",
        "headers.0.value": "",
        "headers.1.name": "X-New",
        "headers.1.value": "new",
        ...extra,
      });
    // An operator who is not an admin cannot, and a visitor is sent to sign in.
    h.token = operatorToken;
    expect(await redirectOf(updateSubscriptionAction(idle, edit({})))).toBe("/settings/account");
    h.token = undefined;
    expect(await redirectOf(updateSubscriptionAction(idle, edit({})))).toBe("/login");
    expect(await stored(created.id)).toEqual(before);

    h.token = adminToken;
    expect(await redirectOf(updateSubscriptionAction(idle, edit({})))).toBe(`/subscriptions/${created.id}?saved=1`);
    const after = (await stored(created.id))!;
    expect(after).toMatchObject({
      target: "https://93.184.215.14/hooks/moved",
      groupPattern: "order.paid",
      attemptLimit: 4,
      strictOrder: true,
      version: 2,
      secretSealed: before.secretSealed,
      checkpointTx: before.checkpointTx,
      checkpointId: before.checkpointId,
    });
    expect(JSON.parse(deps.connections.secrets!.open(after.headersSealed!))).toEqual({
      Authorization: "Bearer kept",
      "X-New": "new",
    });

    // The same form again, still at version 1: refused, saying what changed, with the values kept.
    const stale = await updateSubscriptionAction(idle, edit({ groups: "order.*", "headers.1.value": "secret-typed" }));
    expect(stale).toMatchObject({
      status: "error",
      message: expect.stringContaining("since you opened it: event groups, destination, order, attempt limit."),
      values: { version: "2", groups: "order.*" },
    });
    expect(JSON.stringify(stale)).not.toContain("secret-typed");
    expect((await stored(created.id))!.groupPattern).toBe("order.paid");

    // Refusals sit by their field; forged ids and versions change nothing.
    expect(await updateSubscriptionAction(idle, edit({ version: "2", url: "http://127.0.0.1/hook" }))).toMatchObject({
      status: "invalid",
      fieldErrors: { url: [expect.stringContaining("SPARK_WEBHOOK_ALLOW_PRIVATE")] },
    });
    expect(
      await updateSubscriptionAction(idle, edit({ version: "2", "headers.1.name": "X-Other", "headers.1.value": "" })),
    ).toMatchObject({
      status: "invalid",
      fieldErrors: { headers: ["Give a value for X-Other."] },
    });
    for (const id of FORGED)
      expect(await updateSubscriptionAction(idle, edit({ id, version: "2" }))).toMatchObject({ status: "error" });
    expect(await updateSubscriptionAction(idle, edit({ version: "x" }))).toMatchObject({ status: "error" });
    expect((await stored(created.id))!.version).toBe(2);
  });

  it("creates a broker relay from the form: a refusal names the URL without its password, which is never echoed", async () => {
    h.token = adminToken;
    const refused = await createSubscriptionAction(
      idle,
      form({
        name: "relay-down",
        kind: "rabbitmq",
        url: "amqp://spark@127.0.0.1:1/",
        password: "hunter2-secret",
        exchange: "amq.topic",
        routingKey: "",
        groups: "order.*",
        from: "now",
        fromTime: "",
        attemptLimit: "8",
      }),
    );
    expect(refused).toMatchObject({
      status: "invalid",
      fieldErrors: { url: [expect.any(String)] },
      values: { url: "amqp://spark@127.0.0.1:1/", exchange: "amq.topic" },
    });
    expect(JSON.stringify(refused)).not.toContain("hunter2");
    const badSubject = await createSubscriptionAction(
      idle,
      form({
        name: "relay-subject",
        kind: "nats",
        url: "nats://127.0.0.1:1",
        subject: "a b",
        groups: "*",
        from: "now",
        attemptLimit: "8",
      }),
    );
    expect(badSubject).toMatchObject({ status: "invalid", fieldErrors: { subject: [expect.any(String)] } });
    const names = (await database.db.query.subscriptions.findMany()).map((s) => s.name);
    expect(names).not.toContain("relay-down");
    expect(names).not.toContain("relay-subject");
  });

  it("rewinds only with the count it was shown, at the version it was counted at; a replayed confirmation asks again", async () => {
    h.token = adminToken;
    failing.clear();
    const sub = await codeSubscription("rewound", "rewound", 8);
    await record("rewound", 4);
    await runSubscription(deps, { id: sub.id, holder: "t" });
    const version = String((await stored(sub.id))!.version);
    const ask = await rewindSubscriptionAction(idle, form({ id: sub.id, to: "beginning", at: "", version }));
    expect(ask).toMatchObject({
      status: "invalid",
      fieldErrors: { confirmedCount: ["This re-sends 4 events."] },
      values: { to: "beginning", resend: "4", version },
    });
    const before = (await stored(sub.id))!;
    expect(
      await rewindSubscriptionAction(idle, form({ id: sub.id, to: "beginning", version, confirmedCount: "3" })),
    ).toMatchObject({ status: "invalid", fieldErrors: { confirmedCount: [expect.stringContaining("count changed")] } });
    expect(await stored(sub.id)).toEqual(before);

    const confirm = form({ id: sub.id, to: "beginning", at: "", version, confirmedCount: "4" });
    expect(await rewindSubscriptionAction(idle, confirm)).toEqual({
      status: "ok",
      message: "Rewound: 4 events will be sent again, in commit order.",
    });
    const after = (await stored(sub.id))!;
    expect(after).toMatchObject({ checkpointTx: "0", checkpointId: 0 });
    // Once those four went out again, the same count would fit; the version it was counted at no longer does.
    await runSubscription(deps, { id: sub.id, holder: "t" });
    const replayed = await rewindSubscriptionAction(
      idle,
      form({ id: sub.id, to: "beginning", at: "", version, confirmedCount: "4" }),
    );
    expect(replayed).toMatchObject({ status: "invalid", values: { version: String(after.version) } });
    expect((await stored(sub.id))!.version).toBe(after.version);

    expect(await rewindSubscriptionAction(idle, form({ id: sub.id, to: "time", at: "yesterday", version }))).toEqual({
      status: "invalid",
      fieldErrors: { at: ["Give a time like 2026-11-02T14:30 (UTC)."] },
      values: { to: "time", at: "yesterday", version },
    });
    for (const id of FORGED)
      expect(await rewindSubscriptionAction(idle, form({ id, to: "now", version: "1" }))).toMatchObject({
        status: "error",
      });
  });

  it("rotates a webhook's secret once per press, shows it in the answer alone, and deletes once", async () => {
    h.token = adminToken;
    const created = decodeCreatedWebhook(
      ((await createSubscriptionAction(idle, webhookForm("rotating"))) as { message?: string }).message,
    )!;
    const rotate = () => rotateSecretAction(idle, form({ id: created.id, seen: "none" }));
    const first = await rotate();
    expect(first).toMatchObject({ status: "ok", message: expect.stringMatching(/^whsec_/) });
    expect(await rotate()).toMatchObject({ status: "error", message: expect.stringContaining("rotated since") });
    const row = (await stored(created.id))!;
    expect(deps.connections.secrets!.open(row.secretSealed!)).toBe((first as { message: string }).message);
    expect(deps.connections.secrets!.open(row.previousSecretSealed!)).toBe(created.secret);
    for (const id of FORGED)
      expect(await rotateSecretAction(idle, form({ id, seen: "none" }))).toMatchObject({ status: "error" });

    expect(await redirectOf(deleteSubscriptionAction(idle, form({ id: created.id })))).toBe(
      "/subscriptions?deleted=rotating",
    );
    expect(await stored(created.id)).toBeNull();
    expect(await redirectOf(deleteSubscriptionAction(idle, form({ id: created.id })))).toBe("/subscriptions");
    expect(await deleteSubscriptionAction(idle, form({ id: "' or 1=1 --" }))).toEqual({
      status: "error",
      message: "Unknown subscription; reload the page.",
    });
    expect((await database.db.query.subscriptions.findMany()).length).toBeGreaterThan(0);
  });
});
