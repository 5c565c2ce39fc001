import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { eq } from "drizzle-orm";
import { findUserById } from "@/db/queries/users";
import { sessions } from "@/db/schema";
import { openTestDatabase, testDriver } from "@/db/test-database";
import { createOperator, setOperatorDisabled } from "./accounts";
import { LOGIN_LIMIT, logIn } from "./login";
import { resolveSession } from "./sessions";
import { hashToken } from "./tokens";

const password = "correct horse battery staple";
const minute = 60_000;

describe(`logIn on ${testDriver}`, () => {
  let database: Database;
  let now = new Date("2030-01-01T09:00:00Z");
  const clock = () => now;
  const advance = (ms: number) => {
    now = new Date(now.getTime() + ms);
  };
  let deps: { db: Database["db"]; clock: () => Date };

  let emails = 0;
  let ips = 0;
  const freshEmail = () => `operator${++emails}@example.com`;
  const freshIp = () => `10.0.${Math.floor(++ips / 250)}.${(ips % 250) + 1}`;

  const operator = (email = freshEmail()) => createOperator(deps, { email, password, role: "operator", createdBy: null }).then((user) => user!);
  const attempt = (email: string, pw: string, ip = freshIp()) => logIn(deps, { email, password: pw, ip, sessionDays: 14 });

  beforeAll(async () => {
    database = await openTestDatabase();
    deps = { db: database.db, clock };
  });
  afterAll(async () => {
    await database?.close();
  });

  it("answers invalid for an unknown email", async () => {
    expect(await attempt(freshEmail(), password)).toEqual({ status: "invalid" });
  });

  it("answers invalid for a wrong password", async () => {
    const user = await operator();
    expect(await attempt(user.email, "not the right password")).toEqual({ status: "invalid" });
  });

  it("opens a session for the right password whose token resolves to the operator", async () => {
    const user = await operator();
    const result = await attempt(user.email, password);
    if (result.status !== "ok") throw new Error(`expected ok, got ${result.status}`);
    expect(result.operator).toEqual({ id: user.id, email: user.email, role: "operator" });
    expect(result.expiresAt).toEqual(new Date(now.getTime() + 14 * 86_400_000));
    expect((await resolveSession(deps, { token: result.token }))?.operator).toEqual(result.operator);
    expect((await findUserById(database.db, { id: user.id }))?.lastLoginAt).toEqual(now);
  });

  it("sweeps expired sessions from the table at sign-in", async () => {
    const user = await operator();
    const first = await attempt(user.email, password);
    if (first.status !== "ok") throw new Error(`expected ok, got ${first.status}`);
    advance(15 * 86_400_000);
    await attempt(user.email, password);
    const rows = await database.db.select().from(sessions).where(eq(sessions.id, hashToken(first.token)));
    expect(rows).toEqual([]);
  });

  it("matches the email whatever its case and surrounding spaces", async () => {
    const user = await operator();
    const result = await attempt(`  ${user.email.toUpperCase()} `, password);
    expect(result.status).toBe("ok");
  });

  it("limits an email after 10 failures, even for the right password, until 15 minutes after the oldest failure", async () => {
    const user = await operator();
    const firstFailure = now;
    for (let i = 0; i < LOGIN_LIMIT.failures; i++) {
      expect((await attempt(user.email, `wrong guess ${i}`)).status).toBe("invalid");
      advance(minute);
    }
    const retryAt = new Date(firstFailure.getTime() + 15 * minute);
    expect(await attempt(user.email, password)).toEqual({ status: "limited", retryAt });
    // A guess while limited is not counted, so it does not push the window further out.
    expect(await attempt(user.email, "another wrong guess")).toEqual({ status: "limited", retryAt });

    now = new Date(retryAt.getTime() - 1);
    expect(await attempt(user.email, password)).toEqual({ status: "limited", retryAt });
    now = retryAt;
    expect((await attempt(user.email, password)).status).toBe("ok");
  });

  it("limits an ip after 10 failures across different emails, while another ip still signs in", async () => {
    const user = await operator();
    const ip = freshIp();
    const firstFailure = now;
    for (let i = 0; i < LOGIN_LIMIT.failures; i++) {
      expect((await attempt(freshEmail(), password, ip)).status).toBe("invalid");
      advance(10_000);
    }
    expect(await attempt(user.email, password, ip)).toEqual({ status: "limited", retryAt: new Date(firstFailure.getTime() + 15 * minute) });
    expect((await attempt(user.email, password, freshIp())).status).toBe("ok");
  });

  it("forgets an email's failures after a successful sign-in", async () => {
    const user = await operator();
    for (let i = 0; i < LOGIN_LIMIT.failures - 1; i++) expect((await attempt(user.email, `wrong guess ${i}`)).status).toBe("invalid");
    expect((await attempt(user.email, password)).status).toBe("ok");
    expect((await attempt(user.email, "one more wrong guess")).status).toBe("invalid");
    // Ten failures in the window had they been kept; only one counts now.
    expect((await attempt(user.email, password)).status).toBe("ok");
  });

  it("tells a disabled operator so only when the password is right", async () => {
    const user = await operator();
    expect(await setOperatorDisabled(deps, { actorId: "cli", userId: user.id, disabled: true })).toEqual({ status: "ok" });
    expect(await attempt(user.email, password)).toEqual({ status: "disabled" });
    expect(await attempt(user.email, "not the right password")).toEqual({ status: "invalid" });
  });
});
