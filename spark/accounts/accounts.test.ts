import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { findUserByEmail } from "@/db/queries/users";
import type { User } from "@/db/schema";
import { openTestDatabase, testDriver } from "@/testing/database";
import {
  changeOwnPassword,
  createOperator,
  ensureFirstAdmin,
  inviteOperator,
  readAccountToken,
  redeemAccountToken,
  reissueInvite,
  setOperatorDisabled,
} from "./accounts";
import { logIn } from "./login";
import { resolveSession } from "./sessions";

const publicUrl = "https://spark.example.com";
const password = "correct horse battery staple";
const hour = 3_600_000;

type TestDeps = { db: Database["db"]; clock: () => Date };

/** A fresh database and a clock that only moves when a test moves it. */
function useDatabase() {
  const state = {
    database: undefined as unknown as Database,
    deps: undefined as unknown as TestDeps,
    now: new Date("2030-01-01T09:00:00Z"),
  };
  beforeAll(async () => {
    state.database = await openTestDatabase();
    state.deps = { db: state.database.db, clock: () => state.now };
  });
  afterAll(async () => {
    await state.database?.close();
  });
  return state;
}

function tokenOf(url: string): string {
  expect(url.startsWith(`${publicUrl}/setup/`)).toBe(true);
  return url.slice(`${publicUrl}/setup/`.length);
}

let ips = 0;
const signIn = (deps: TestDeps, email: string, pw: string) =>
  logIn(deps, { email, password: pw, ip: `198.51.100.${++ips}`, sessionDays: 14 });

describe(`ensureFirstAdmin without SPARK_ADMIN_* on ${testDriver}`, () => {
  const t = useDatabase();
  const ensure = () => ensureFirstAdmin(t.deps, { admin: null, publicUrl });

  it("issues a one-time setup link under the public URL, valid for 24 hours", async () => {
    const outcome = await ensure();
    if (outcome.kind !== "setup-link") throw new Error(`expected a setup link, got ${outcome.kind}`);
    expect(outcome.expiresAt).toEqual(new Date(t.now.getTime() + 24 * hour));
    expect(await readAccountToken(t.deps, { token: tokenOf(outcome.url) })).toEqual({
      status: "valid",
      purpose: "setup",
    });
  });

  it("expires the previous setup link when it issues a new one", async () => {
    const first = await ensure();
    const second = await ensure();
    if (first.kind !== "setup-link" || second.kind !== "setup-link") throw new Error("expected setup links");
    expect(await readAccountToken(t.deps, { token: tokenOf(first.url) })).toEqual({ status: "expired" });
    expect(await readAccountToken(t.deps, { token: tokenOf(second.url) })).toEqual({
      status: "valid",
      purpose: "setup",
    });
    expect(
      await redeemAccountToken(t.deps, { token: tokenOf(first.url), email: "late@example.com", password }),
    ).toEqual({ status: "expired" });
  });

  it("lets a setup link expire once 24 hours have passed", async () => {
    const outcome = await ensure();
    if (outcome.kind !== "setup-link") throw new Error("expected a setup link");
    const token = tokenOf(outcome.url);
    t.now = new Date(outcome.expiresAt.getTime() - 1);
    expect((await readAccountToken(t.deps, { token })).status).toBe("valid");
    t.now = outcome.expiresAt;
    expect(await readAccountToken(t.deps, { token })).toEqual({ status: "expired" });
    expect(await redeemAccountToken(t.deps, { token, email: "late@example.com", password })).toEqual({
      status: "expired",
    });
  });

  it("answers unknown for a token it never issued, or one too long to be real", async () => {
    expect(await readAccountToken(t.deps, { token: "never-issued" })).toEqual({ status: "unknown" });
    expect(await readAccountToken(t.deps, { token: "x".repeat(101) })).toEqual({ status: "unknown" });
    expect(await redeemAccountToken(t.deps, { token: "never-issued", email: "x@example.com", password })).toEqual({
      status: "unknown",
    });
  });

  it("creates the first admin from the setup link exactly once", async () => {
    const outcome = await ensure();
    if (outcome.kind !== "setup-link") throw new Error("expected a setup link");
    const token = tokenOf(outcome.url);
    const redeemed = await redeemAccountToken(t.deps, { token, email: " Root@Example.com ", password });
    if (redeemed.status !== "ok") throw new Error(`expected ok, got ${redeemed.status}`);
    expect(redeemed.user).toMatchObject({ email: "root@example.com", role: "admin", disabledAt: null });

    expect(await redeemAccountToken(t.deps, { token, email: "second@example.com", password })).toEqual({
      status: "used",
    });
    expect(await readAccountToken(t.deps, { token })).toEqual({ status: "used" });
    expect(await findUserByEmail(t.deps.db, { email: "second@example.com" })).toBeNull();
    expect((await signIn(t.deps, "root@example.com", password)).status).toBe("ok");
    expect(await ensure()).toEqual({ kind: "exists" });
  });
});

describe(`ensureFirstAdmin with SPARK_ADMIN_* on ${testDriver}`, () => {
  const t = useDatabase();

  it("creates that admin once, and later calls find it there", async () => {
    const admin = { email: "Admin@Example.com", password };
    expect(await ensureFirstAdmin(t.deps, { admin, publicUrl })).toEqual({
      kind: "created",
      email: "admin@example.com",
    });
    expect(await ensureFirstAdmin(t.deps, { admin, publicUrl })).toEqual({ kind: "exists" });
    expect(await ensureFirstAdmin(t.deps, { admin: null, publicUrl })).toEqual({ kind: "exists" });
    const result = await signIn(t.deps, "admin@example.com", password);
    expect(result.status === "ok" && result.operator.role).toBe("admin");
  });
});

describe(`operator accounts on ${testDriver}`, () => {
  const t = useDatabase();
  let admin: User;
  let emails = 0;
  const freshEmail = () => `operator${++emails}@example.com`;
  const invite = (email = freshEmail(), role: "admin" | "operator" = "operator") =>
    inviteOperator(t.deps, { email, role, createdBy: admin.id, publicUrl }).then((invited) => invited!);
  const operator = (role: "admin" | "operator" = "operator") =>
    createOperator(t.deps, { email: freshEmail(), password, role, createdBy: admin.id }).then((user) => user!);
  const sessionOf = async (token: string) => (await resolveSession(t.deps, { token }))?.session ?? null;

  beforeAll(async () => {
    admin = (await createOperator(t.deps, { email: "admin@example.com", password, role: "admin", createdBy: null }))!;
  });

  it("invites an operator who has no password and cannot sign in until the link is used", async () => {
    const invited = await invite();
    expect(invited.user).toMatchObject({ role: "operator", passwordHash: null });
    expect(invited.expiresAt).toEqual(new Date(t.now.getTime() + 7 * 24 * hour));
    expect(await readAccountToken(t.deps, { token: tokenOf(invited.url) })).toEqual({
      status: "valid",
      purpose: "invite",
      email: invited.user.email,
    });
    expect(await signIn(t.deps, invited.user.email, password)).toEqual({ status: "invalid" });
    expect(await signIn(t.deps, invited.user.email, "")).toEqual({ status: "invalid" });
  });

  it("sets the invited operator's password from the link, which then works no more", async () => {
    const invited = await invite();
    const token = tokenOf(invited.url);
    const redeemed = await redeemAccountToken(t.deps, { token, password });
    expect(redeemed.status === "ok" && redeemed.user.id).toBe(invited.user.id);
    expect((await signIn(t.deps, invited.user.email, password)).status).toBe("ok");
    expect(await readAccountToken(t.deps, { token })).toEqual({ status: "used" });
    expect(await redeemAccountToken(t.deps, { token, password: "a different long password" })).toEqual({
      status: "used",
    });
    expect((await signIn(t.deps, invited.user.email, password)).status).toBe("ok");
  });

  it("sets a password once when two requests use the same invite link at the same time", async () => {
    const invited = await invite();
    const token = tokenOf(invited.url);
    const results = await Promise.all([
      redeemAccountToken(t.deps, { token, password }),
      redeemAccountToken(t.deps, { token, password: "the other long password" }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["ok", "used"]);
    const winner = results[0]!.status === "ok" ? password : "the other long password";
    expect((await signIn(t.deps, invited.user.email, winner)).status).toBe("ok");
  });

  it("refuses to invite an email that is already taken, whatever its case", async () => {
    const invited = await invite();
    expect(
      await inviteOperator(t.deps, {
        email: invited.user.email.toUpperCase(),
        role: "operator",
        createdBy: admin.id,
        publicUrl,
      }),
    ).toBeNull();
    expect(
      await inviteOperator(t.deps, { email: " ADMIN@example.com ", role: "admin", createdBy: admin.id, publicUrl }),
    ).toBeNull();
  });

  it("a reissued invite expires the earlier link", async () => {
    const invited = await invite();
    const again = await reissueInvite(t.deps, { userId: invited.user.id, createdBy: admin.id, publicUrl });
    if (!again) throw new Error("expected a new invite link");
    expect(await readAccountToken(t.deps, { token: tokenOf(invited.url) })).toEqual({ status: "expired" });
    expect(await redeemAccountToken(t.deps, { token: tokenOf(invited.url), password })).toEqual({ status: "expired" });
    expect((await readAccountToken(t.deps, { token: tokenOf(again.url) })).status).toBe("valid");
  });

  it("does not reissue an invite to an operator who already has a password", async () => {
    expect(await reissueInvite(t.deps, { userId: admin.id, createdBy: admin.id, publicUrl })).toBeNull();
  });

  it("lets an invite link expire after 7 days", async () => {
    const invited = await invite();
    const token = tokenOf(invited.url);
    t.now = new Date(invited.expiresAt.getTime() - 1);
    expect((await readAccountToken(t.deps, { token })).status).toBe("valid");
    t.now = invited.expiresAt;
    expect(await readAccountToken(t.deps, { token })).toEqual({ status: "expired" });
  });

  it("an invite link stops working when its operator is disabled", async () => {
    const invited = await invite();
    expect(await setOperatorDisabled(t.deps, { actorId: admin.id, userId: invited.user.id, disabled: true })).toEqual({
      status: "ok",
    });
    expect(await readAccountToken(t.deps, { token: tokenOf(invited.url) })).toEqual({ status: "used" });
  });

  it("refuses to let an operator disable themselves", async () => {
    expect(await setOperatorDisabled(t.deps, { actorId: admin.id, userId: admin.id, disabled: true })).toEqual({
      status: "self",
    });
  });

  it("refuses to disable the last active admin; an invited admin without a password does not count", async () => {
    await invite(freshEmail(), "admin");
    expect(await setOperatorDisabled(t.deps, { actorId: "cli", userId: admin.id, disabled: true })).toEqual({
      status: "last-admin",
    });
    const second = await operator("admin");
    expect(await setOperatorDisabled(t.deps, { actorId: admin.id, userId: second.id, disabled: true })).toEqual({
      status: "ok",
    });
    expect(await setOperatorDisabled(t.deps, { actorId: "cli", userId: admin.id, disabled: true })).toEqual({
      status: "last-admin",
    });
  });

  it("answers unknown for an operator that does not exist", async () => {
    expect(await setOperatorDisabled(t.deps, { actorId: admin.id, userId: randomUUID(), disabled: true })).toEqual({
      status: "unknown",
    });
  });

  it("disabling ends the operator's sessions; enabling lets them sign in again", async () => {
    const user = await operator();
    const before = await signIn(t.deps, user.email, password);
    if (before.status !== "ok") throw new Error(`expected ok, got ${before.status}`);
    expect(await setOperatorDisabled(t.deps, { actorId: admin.id, userId: user.id, disabled: true })).toEqual({
      status: "ok",
    });
    expect(await resolveSession(t.deps, { token: before.token })).toBeNull();
    expect(await signIn(t.deps, user.email, password)).toEqual({ status: "disabled" });

    expect(await setOperatorDisabled(t.deps, { actorId: admin.id, userId: user.id, disabled: false })).toEqual({
      status: "ok",
    });
    expect((await signIn(t.deps, user.email, password)).status).toBe("ok");
    expect(await resolveSession(t.deps, { token: before.token })).toBeNull();
  });

  it("changes the own password only with the right current one, ending every other session", async () => {
    const user = await operator();
    const kept = await signIn(t.deps, user.email, password);
    const other = await signIn(t.deps, user.email, password);
    if (kept.status !== "ok" || other.status !== "ok") throw new Error("expected two sessions");
    const keptSession = (await sessionOf(kept.token))!;
    const newPassword = "a brand new long password";

    expect(
      await changeOwnPassword(t.deps, {
        userId: user.id,
        sessionId: keptSession.id,
        current: "not my password",
        password: newPassword,
      }),
    ).toBe("wrong-current");
    expect(await sessionOf(other.token)).not.toBeNull();

    expect(
      await changeOwnPassword(t.deps, {
        userId: user.id,
        sessionId: keptSession.id,
        current: password,
        password: newPassword,
      }),
    ).toBe("ok");
    expect(await sessionOf(kept.token)).not.toBeNull();
    expect(await sessionOf(other.token)).toBeNull();
    expect(await signIn(t.deps, user.email, password)).toEqual({ status: "invalid" });
    expect((await signIn(t.deps, user.email, newPassword)).status).toBe("ok");
  });

  it("an invited operator without a password cannot change it as their own", async () => {
    const invited = await invite();
    expect(await changeOwnPassword(t.deps, { userId: invited.user.id, sessionId: "none", current: "", password })).toBe(
      "wrong-current",
    );
  });
});
