import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { accountTokens, loginFailures, users } from "@/db/schema";
import { hashToken } from "@/spark/accounts/tokens";
import { THROTTLE } from "@/spark/accounts/throttle";
import { openTestDatabase, testDriver } from "@/testing/database";
import { loadAccountLink, loadLogin } from "./accounts";
import { loadOperators } from "./operators";

const NOW = new Date("2026-11-02T12:00:00Z");
const secondsAgo = (s: number) => new Date(NOW.getTime() - s * 1000);

describe(`operators and account links on ${testDriver}`, () => {
  let database: Database;
  let invitedId: string;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database?.close());

  it("says there is no operator yet, and a setup link is valid until there is one", async () => {
    expect(await loadLogin(database.db)).toEqual({ noOperators: true });
    await database.db.insert(accountTokens).values([
      { id: hashToken("setup-token"), purpose: "setup", expiresAt: secondsAgo(-3600) },
      { id: hashToken("old-token"), purpose: "setup", expiresAt: secondsAgo(1) },
    ]);
    expect(await loadAccountLink(database.db, { token: "setup-token", now: NOW })).toEqual({
      status: "valid",
      purpose: "setup",
    });
    expect(await loadAccountLink(database.db, { token: "old-token", now: NOW })).toEqual({ status: "expired" });
    expect(await loadAccountLink(database.db, { token: "nobody-made-this", now: NOW })).toEqual({ status: "unknown" });
    expect(await loadAccountLink(database.db, { token: "x".repeat(500), now: NOW })).toEqual({ status: "unknown" });
  });

  it("lists operators by status without their password hashes", async () => {
    const [, invited] = await database.db
      .insert(users)
      .values([
        { email: "ada@example.com", role: "admin", passwordHash: "hash", createdAt: secondsAgo(300) },
        { email: "bob@example.com", createdAt: secondsAgo(200) },
        { email: "eve@example.com", passwordHash: "hash", disabledAt: secondsAgo(10), createdAt: secondsAgo(100) },
      ])
      .returning();
    invitedId = invited!.id;
    const view = await loadOperators(database.db, { now: NOW });
    expect(view.operators.map((o) => [o.email, o.role, o.status])).toEqual([
      ["ada@example.com", "admin", "active"],
      ["bob@example.com", "operator", "invited"],
      ["eve@example.com", "operator", "disabled"],
    ]);
    expect(view.operators.some((o) => "passwordHash" in o)).toBe(false);
    expect(await loadLogin(database.db)).toEqual({ noOperators: false });
    expect(await loadAccountLink(database.db, { token: "setup-token", now: NOW })).toEqual({ status: "used" });
  });

  it("offers an invite link to the invited operator only while they have no password", async () => {
    await database.db
      .insert(accountTokens)
      .values({ id: hashToken("invite-token"), purpose: "invite", userId: invitedId, expiresAt: secondsAgo(-60) });
    expect(await loadAccountLink(database.db, { token: "invite-token", now: NOW })).toEqual({
      status: "valid",
      purpose: "invite",
      email: "bob@example.com",
    });
  });

  it("lists the sign-ins past their free failures, with when they may try again", async () => {
    const pair = Array.from({ length: THROTTLE.pairFreeFailures }, (_, i) => ({
      email: "ada@example.com",
      ip: "10.0.0.1",
      at: secondsAgo(10 - i),
    }));
    const below = Array.from({ length: THROTTLE.pairFreeFailures - 1 }, () => ({
      email: "bob@example.com",
      ip: "10.0.0.2",
      at: secondsAgo(5),
    }));
    const forgotten = Array.from({ length: THROTTLE.pairFreeFailures }, () => ({
      email: "eve@example.com",
      ip: "10.0.0.3",
      at: new Date(NOW.getTime() - THROTTLE.memoryMs - 1000),
    }));
    await database.db.insert(loginFailures).values([...pair, ...below, ...forgotten]);
    const { throttled, throttle } = await loadOperators(database.db, { now: NOW });
    expect(throttled).toEqual([
      {
        email: "ada@example.com",
        ip: "10.0.0.1",
        failures: THROTTLE.pairFreeFailures,
        lastFailure: secondsAgo(10 - THROTTLE.pairFreeFailures + 1),
        until: new Date(secondsAgo(10 - THROTTLE.pairFreeFailures + 1).getTime() + THROTTLE.firstWaitMs),
      },
    ]);
    expect(throttle).toEqual({
      pairFreeFailures: THROTTLE.pairFreeFailures,
      clientFreeFailures: THROTTLE.clientFreeFailures,
    });
  });
});
