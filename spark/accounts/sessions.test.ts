import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { insertUser, updateUserDisabledById } from "@/db/queries/users";
import { openTestDatabase, testDriver } from "@/testing/database";
import { setOperatorDisabled } from "./accounts";
import { endSession, resolveSession, startSession } from "./sessions";

describe(`sessions on ${testDriver}`, () => {
  let database: Database;
  let now = new Date("2030-01-01T09:00:00Z");
  const clock = () => now;
  let deps: { db: Database["db"]; clock: () => Date };

  let emails = 0;
  const operator = async () =>
    (await insertUser(database.db, {
      email: `operator${++emails}@example.com`,
      passwordHash: "unused",
      role: "operator",
    }))!;

  beforeAll(async () => {
    database = await openTestDatabase();
    deps = { db: database.db, clock };
  });
  afterAll(async () => {
    await database?.close();
  });

  it("resolves a new session's token to its operator, keeping ip and user agent", async () => {
    const user = await operator();
    const { token, expiresAt } = await startSession(deps, {
      userId: user.id,
      days: 14,
      ip: "192.0.2.1",
      userAgent: "Firefox",
    });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(expiresAt).toEqual(new Date(now.getTime() + 14 * 86_400_000));
    const live = await resolveSession(deps, { token });
    expect(live?.operator).toEqual({ id: user.id, email: user.email, role: "operator" });
    expect(live?.session).toMatchObject({ userId: user.id, expiresAt, ip: "192.0.2.1", userAgent: "Firefox" });
    expect(live?.session.id).not.toBe(token);
  });

  it("cuts a long user agent to 400 characters", async () => {
    const user = await operator();
    const { token } = await startSession(deps, { userId: user.id, days: 1, userAgent: "x".repeat(1000) });
    expect((await resolveSession(deps, { token }))?.session.userAgent).toBe("x".repeat(400));
  });

  it("stops resolving a session once the clock reaches its expiry", async () => {
    const user = await operator();
    const { token, expiresAt } = await startSession(deps, { userId: user.id, days: 1 });
    now = new Date(expiresAt.getTime() - 1);
    expect(await resolveSession(deps, { token })).not.toBeNull();
    now = expiresAt;
    expect(await resolveSession(deps, { token })).toBeNull();
  });

  it("drops a disabled operator's existing session at once", async () => {
    const user = await operator();
    const { token } = await startSession(deps, { userId: user.id, days: 14 });
    expect(await setOperatorDisabled(deps, { actorId: "cli", userId: user.id, disabled: true })).toEqual({
      status: "ok",
    });
    expect(await resolveSession(deps, { token })).toBeNull();
  });

  it("ignores a session whose operator is disabled even while the session row remains", async () => {
    const user = await operator();
    const { token } = await startSession(deps, { userId: user.id, days: 14 });
    await updateUserDisabledById(database.db, { id: user.id, disabledAt: now });
    expect(await resolveSession(deps, { token })).toBeNull();
    await updateUserDisabledById(database.db, { id: user.id, disabledAt: null });
    expect(await resolveSession(deps, { token })).not.toBeNull();
  });

  it("ends a session so its token no longer resolves, leaving the operator's other sessions", async () => {
    const user = await operator();
    const first = await startSession(deps, { userId: user.id, days: 14 });
    const second = await startSession(deps, { userId: user.id, days: 14 });
    await endSession(deps, { token: first.token });
    expect(await resolveSession(deps, { token: first.token })).toBeNull();
    expect(await resolveSession(deps, { token: second.token })).not.toBeNull();
    await expect(endSession(deps, { token: first.token })).resolves.toBeUndefined();
  });

  it("resolves a missing, garbage or overlong token to null", async () => {
    const user = await operator();
    const { token } = await startSession(deps, { userId: user.id, days: 14 });
    for (const bad of [undefined, "", "garbage", `${token}x`, token.slice(1), "x".repeat(101), "x".repeat(100_000)]) {
      expect(await resolveSession(deps, { token: bad }), String(bad).slice(0, 20)).toBeNull();
    }
  });
});
