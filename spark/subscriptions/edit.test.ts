import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { insertNewEvents } from "@/db/queries/events";
import { findSubscriptionById } from "@/db/queries/subscriptions";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import { Receiver } from "@/testing/webhook-receiver";
import type { Deps } from "../deps";
import { runSubscription } from "./dispatch";
import { createSubscription, updateSubscription, type SubscriptionEdit } from "./subscriptions";

describe(`editing a subscription in place on ${testDriver}`, () => {
  let database: Database;
  let deps: Deps;
  let before: Receiver;
  let after: Receiver;
  let beforeUrl: string;
  let afterUrl: string;
  let seq = 0;
  // The real time: the receiver checks signatures against its own clock.
  let now = new Date();

  beforeAll(async () => {
    database = await openTestDatabase();
    deps = testDeps(database, {
      clock: () => now,
      settings: { webhookAllowPrivate: true },
      subscribers: [{ name: "audit", handle() {} }],
    });
    before = new Receiver();
    after = new Receiver();
    beforeUrl = await before.start();
    afterUrl = await after.start();
  });
  afterAll(async () => {
    await before?.stop();
    await after?.stop();
    await database?.close();
  });
  beforeEach(() => {
    before.received.length = 0;
    after.received.length = 0;
  });

  const record = (group: string, count: number) =>
    insertNewEvents(database.db, {
      events: Array.from({ length: count }, () => ({
        group,
        key: `${group}:${++seq}`,
        context: { n: seq },
        generatorId: null,
        source: null,
      })),
      jobRunId: null,
    });

  async function webhook(name: string, headers?: Record<string, string>) {
    const created = await createSubscription(deps, {
      input: { name, kind: "webhook", groups: `${name}.*`, target: beforeUrl, headers },
      by: null,
    });
    if (created.status !== "ok") throw new Error(JSON.stringify(created));
    return { id: created.subscription.id, secret: created.secret! };
  }
  const edit = (
    id: string,
    version: number,
    input: SubscriptionEdit,
    base?: Parameters<typeof updateSubscription>[1]["base"],
  ) => updateSubscription(deps, { id, version, input, base, by: null });

  it("moves a webhook to a new URL and pattern from its checkpoint, signing with the same secret, its header values typed again", async () => {
    const { id, secret } = await webhook("moved", { "X-Keep": "kept-value", "X-Replace": "old", "X-Drop": "gone" });
    await record("moved.a", 2);
    expect(await runSubscription(deps, { id, holder: "t" })).toMatchObject({ delivered: 2 });
    // Recorded while it still pointed at the old receiver, handed on after the edit: from the checkpoint.
    await record("moved.a", 1);
    await record("moved-b", 1);

    const moved = {
      name: "moved renamed",
      groups: "moved*",
      target: afterUrl,
      strictOrder: true,
      attemptLimit: 3,
    };
    // Stored values (a token, often) are not sent to another host: kept by a blank, or left unnamed.
    for (const headers of [{ "X-Keep": null, "X-Replace": "new" }, undefined])
      expect(await edit(id, 1, { ...moved, headers })).toEqual({
        status: "invalid",
        fieldErrors: {
          headers: [
            "Type the header values again, or clear them: stored ones are only sent to the host they were saved for.",
          ],
        },
      });
    const saved = await edit(id, 1, {
      ...moved,
      headers: { "X-Keep": "kept-value", "X-Replace": "new", "X-Added": "added" },
    });
    expect(saved).toMatchObject({
      status: "ok",
      subscription: { name: "moved renamed", groupPattern: "moved*", strictOrder: true, attemptLimit: 3, version: 2 },
    });
    expect(await runSubscription(deps, { id, holder: "t" })).toMatchObject({ delivered: 2 });
    expect(before.received).toHaveLength(2);
    expect(after.received).toHaveLength(2);
    expect(after.verified(secret).map((body) => (body as { type: string }).type)).toEqual(["moved.a", "moved-b"]);
    const headers = after.received[0]!.headers;
    expect(headers["x-keep"]).toBe("kept-value");
    expect(headers["x-replace"]).toBe("new");
    expect(headers["x-added"]).toBe("added");
    expect(headers["x-drop"]).toBeUndefined();
  });

  it("keeps the headers on the same host when the edit does not name them or leaves a value blank, and refuses keeping one never stored", async () => {
    const { id } = await webhook("headers", { Authorization: "Bearer t0ken", "X-Other": "other" });
    // Another path on the same host: the stored values go on being sent there.
    const common = {
      name: "headers",
      groups: "headers.*",
      target: `${beforeUrl}/v2`,
      strictOrder: false,
      attemptLimit: 8,
    };
    expect(await edit(id, 1, common)).toMatchObject({ status: "ok" });
    await record("headers.x", 1);
    await runSubscription(deps, { id, holder: "t" });
    expect(before.received[0]!.headers.authorization).toBe("Bearer t0ken");
    expect(await edit(id, 2, { ...common, headers: { Authorization: null, "X-Other": "changed" } })).toMatchObject({
      status: "ok",
    });
    await record("headers.x", 1);
    await runSubscription(deps, { id, holder: "t" });
    expect(before.received[1]!.headers).toMatchObject({ authorization: "Bearer t0ken", "x-other": "changed" });

    expect(await edit(id, 3, { ...common, headers: { "X-New": null } })).toEqual({
      status: "invalid",
      fieldErrors: { headers: ["Give a value for X-New."] },
    });
    expect(await edit(id, 3, { ...common, headers: { Host: "evil.example" } })).toMatchObject({
      status: "invalid",
      fieldErrors: { headers: [expect.stringContaining("Spark decides host itself")] },
    });
    // An empty set drops them all.
    expect(await edit(id, 3, { ...common, headers: {} })).toMatchObject({ status: "ok" });
    expect((await findSubscriptionById(database.db, { id }))!.headersSealed).toBeNull();
  });

  it("refuses a save from a form loaded before someone else's, saying who changed what and when", async () => {
    const { id } = await webhook("contested");
    const base = {
      name: "contested",
      groupPattern: "contested.*",
      target: beforeUrl,
      config: {},
      strictOrder: false,
      attemptLimit: 8,
    };
    const first = await updateSubscription(deps, {
      id,
      version: 1,
      base,
      input: { name: "contested", groups: "contested.*", target: afterUrl, strictOrder: false, attemptLimit: 5 },
      by: null,
    });
    expect(first).toMatchObject({ status: "ok" });
    now = new Date(now.getTime() + 3 * 60_000);
    const second = await edit(
      id,
      1,
      { name: "contested", groups: "other.*", target: beforeUrl, strictOrder: false, attemptLimit: 8 },
      base,
    );
    expect(second).toMatchObject({ status: "stale", version: 2 });
    if (second.status !== "stale") throw new Error("not stale");
    expect(second.message).toMatch(
      /^Changed by someone 3 minutes ago \(at .+ UTC\) since you opened it: destination, attempt limit\.$/,
    );
    const stored = (await findSubscriptionById(database.db, { id }))!;
    expect(stored).toMatchObject({ groupPattern: "contested.*", target: afterUrl, attemptLimit: 5, version: 2 });
  });

  it("refuses what it would refuse at creation, a name already taken and a change of kind, and a gone subscription", async () => {
    const { id } = await webhook("checked");
    await webhook("taken");
    const common = { name: "checked", groups: "checked.*", target: afterUrl, strictOrder: false, attemptLimit: 8 };
    expect(await edit(id, 1, { ...common, name: "TAKEN" })).toEqual({
      status: "invalid",
      fieldErrors: { name: ['A subscription is already named "TAKEN".'] },
    });
    expect(await edit(id, 1, { ...common, target: "ftp://example.com/" })).toMatchObject({
      status: "invalid",
      fieldErrors: { target: [expect.any(String)] },
    });
    expect(await edit(id, 1, { ...common, groups: "a b" })).toMatchObject({
      status: "invalid",
      fieldErrors: { groups: [expect.any(String)] },
    });
    expect(await edit(id, 1, { ...common, kind: "code" } as SubscriptionEdit)).toMatchObject({ status: "invalid" });
    expect(await edit("00000000-0000-4000-8000-00000000dead", 1, common)).toEqual({ status: "gone" });
    expect(await edit("not a uuid", 1, common)).toEqual({ status: "gone" });
    expect((await findSubscriptionById(database.db, { id }))!).toMatchObject({ target: beforeUrl, version: 1 });
  });

  it("points a code subscription at another registered subscriber only", async () => {
    const created = await createSubscription(deps, {
      input: { name: "coded", kind: "code", groups: "coded", target: "audit" },
      by: null,
    });
    if (created.status !== "ok") throw new Error(JSON.stringify(created));
    const common = { name: "coded", groups: "coded", strictOrder: false, attemptLimit: 8 };
    expect(await edit(created.subscription.id, 1, { ...common, target: "missing" })).toMatchObject({
      status: "invalid",
      fieldErrors: { target: [expect.stringContaining('No code subscriber named "missing"')] },
    });
    expect(await edit(created.subscription.id, 1, { ...common, target: "audit", groups: "coded.*" })).toMatchObject({
      status: "ok",
      subscription: { groupPattern: "coded.*", secretSealed: null },
    });
  });
});
