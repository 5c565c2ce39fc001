import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { eq } from "drizzle-orm";
import { countLoginFailuresSince } from "@/db/queries/login-failures";
import { findUserById } from "@/db/queries/users";
import { sessions } from "@/db/schema";
import { openTestDatabase, testDriver } from "@/testing/database";
import { createOperator, setOperatorDisabled } from "./accounts";
import { logIn } from "./login";
import { resolveSession } from "./sessions";
import { THROTTLE, liftThrottle, listThrottledLogins, throttleWaitMs } from "./throttle";
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

  const operator = (email = freshEmail()) =>
    createOperator(deps, { email, password, role: "operator", createdBy: null }).then((user) => user!);
  const attempt = (email: string, pw: string, ip = freshIp()) =>
    logIn(deps, { email, password: pw, ip, sessionDays: 14 });

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
    const rows = await database.db
      .select()
      .from(sessions)
      .where(eq(sessions.id, hashToken(first.token)));
    expect(rows).toEqual([]);
  });

  it("matches the email whatever its case and surrounding spaces", async () => {
    const user = await operator();
    const result = await attempt(`  ${user.email.toUpperCase()} `, password);
    expect(result.status).toBe("ok");
  });

  const second = 1000;
  const waitsFrom = (n: number) => throttleWaitMs(n, THROTTLE.pairFreeFailures);

  it("lets the right password in from a fresh address, whatever strangers tried for that email elsewhere", async () => {
    const user = await operator();
    const stranger = freshIp();
    // Many addresses (spoofed or a botnet), and one address that keeps at it.
    for (let i = 0; i < 30; i++) expect((await attempt(user.email, `guess ${i}`)).status).toBe("invalid");
    for (let i = 0; i < THROTTLE.pairFreeFailures; i++)
      expect((await attempt(user.email, `guess ${i}`, stranger)).status).toBe("invalid");
    expect((await attempt(user.email, password, stranger)).status).toBe("limited");
    expect((await attempt(user.email, password, freshIp())).status).toBe("ok");
  });

  it("slows one email from one client after 5 failures with a wait that doubles per failure up to 15 minutes", async () => {
    const user = await operator();
    const ip = freshIp();
    for (let i = 0; i < THROTTLE.pairFreeFailures - 1; i++)
      expect((await attempt(user.email, `guess ${i}`, ip)).status).toBe("invalid");
    const waits: number[] = [];
    for (let failures = THROTTLE.pairFreeFailures; failures < THROTTLE.pairFreeFailures + 7; failures++) {
      expect((await attempt(user.email, "wrong again", ip)).status).toBe("invalid");
      const lastFailure = now;
      const limited = await attempt(user.email, password, ip);
      if (limited.status !== "limited")
        throw new Error(`expected limited after ${failures} failures, got ${limited.status}`);
      waits.push(limited.retryAt.getTime() - lastFailure.getTime());
      // A try while waiting is not counted, so it does not push the wait further out.
      advance(limited.retryAt.getTime() - now.getTime() - 1);
      expect(await attempt(user.email, "wrong while waiting", ip)).toEqual(limited);
      advance(1);
    }
    expect(waits).toEqual([30 * second, minute, 2 * minute, 4 * minute, 8 * minute, 15 * minute, 15 * minute]);
    expect(waits).toEqual(Array.from({ length: 7 }, (_, i) => waitsFrom(THROTTLE.pairFreeFailures + i)));
    expect((await attempt(user.email, password, ip)).status).toBe("ok");
  });

  it("lets no more than the free failures through when guesses for one email arrive all at once", async () => {
    const user = await operator();
    const ip = freshIp();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => attempt(user.email, `parallel guess ${i}`, ip)),
    );
    const counts = results.reduce<Record<string, number>>(
      (acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }),
      {},
    );
    // How many get checked depends on the interleaving; never more than the free ones.
    const checked = counts.invalid ?? 0;
    expect(checked).toBeLessThanOrEqual(THROTTLE.pairFreeFailures);
    expect(checked + (counts.limited ?? 0)).toBe(20);
    // Only checked guesses stay on record; refused ones leave nothing behind.
    const { pair } = await countLoginFailuresSince(database.db, { email: user.email, ip, since: new Date(0) });
    expect(pair.n).toBe(checked);
  });

  it("slows a client after 20 failures across emails, while the operator still signs in from elsewhere", async () => {
    const user = await operator();
    const ip = freshIp();
    for (let i = 0; i < THROTTLE.clientFreeFailures; i++)
      expect((await attempt(freshEmail(), password, ip)).status).toBe("invalid");
    expect(await attempt(user.email, password, ip)).toEqual({
      status: "limited",
      retryAt: new Date(now.getTime() + 30 * second),
    });
    expect((await attempt(user.email, password, freshIp())).status).toBe("ok");
    advance(30 * second);
    expect((await attempt(user.email, password, ip)).status).toBe("ok");
  });

  it("forgets the pair's failures after a successful sign-in, and keeps the client's other failures", async () => {
    const user = await operator();
    const ip = freshIp();
    for (let i = 0; i < THROTTLE.pairFreeFailures - 1; i++)
      expect((await attempt(user.email, `guess ${i}`, ip)).status).toBe("invalid");
    for (let i = 0; i < THROTTLE.clientFreeFailures - THROTTLE.pairFreeFailures; i++)
      expect((await attempt(freshEmail(), "x", ip)).status).toBe("invalid");
    expect((await attempt(user.email, password, ip)).status).toBe("ok");
    // Had the pair's four been kept, this fifth failure would make the pair wait.
    expect((await attempt(user.email, "one more wrong guess", ip)).status).toBe("invalid");
    // The client's 15 others and this one make 16; four more and it waits.
    for (let i = 0; i < 4; i++) expect((await attempt(freshEmail(), "x", ip)).status).toBe("invalid");
    expect((await attempt(user.email, password, ip)).status).toBe("limited");
  });

  it("forgets failures a day old", async () => {
    const user = await operator();
    const ip = freshIp();
    for (let i = 0; i < THROTTLE.pairFreeFailures; i++)
      expect((await attempt(user.email, `guess ${i}`, ip)).status).toBe("invalid");
    advance(THROTTLE.memoryMs + 1);
    // With the old five still counted, the first of these would already make the pair wait.
    for (let i = 0; i < THROTTLE.pairFreeFailures - 1; i++)
      expect((await attempt(user.email, `guess ${i}`, ip)).status).toBe("invalid");
    expect((await attempt(user.email, password, ip)).status).toBe("ok");
  });

  it("lists the throttled pair and client for admins, and lifting an email lets it in at once", async () => {
    const user = await operator();
    const ip = freshIp();
    for (let i = 0; i < THROTTLE.pairFreeFailures; i++)
      expect((await attempt(user.email, `guess ${i}`, ip)).status).toBe("invalid");
    const lastFailure = now;
    const listed = await listThrottledLogins(deps);
    expect(listed).toContainEqual({
      email: user.email,
      ip,
      failures: THROTTLE.pairFreeFailures,
      lastFailure,
      until: new Date(lastFailure.getTime() + 30 * second),
    });
    expect((await attempt(user.email, password, ip)).status).toBe("limited");

    expect(await liftThrottle(deps, { email: ` ${user.email.toUpperCase()}` })).toBe(THROTTLE.pairFreeFailures);
    expect((await listThrottledLogins(deps)).filter((t) => t.email === user.email)).toEqual([]);
    expect((await attempt(user.email, password, ip)).status).toBe("ok");
  });

  it("lifts a throttled client for every email", async () => {
    const ip = freshIp();
    for (let i = 0; i < THROTTLE.clientFreeFailures; i++) await attempt(freshEmail(), "x", ip);
    expect((await listThrottledLogins(deps)).find((t) => t.ip === ip && t.email === null)).toMatchObject({
      failures: THROTTLE.clientFreeFailures,
    });
    expect(await liftThrottle(deps, { ip })).toBe(THROTTLE.clientFreeFailures);
    expect((await attempt((await operator()).email, password, ip)).status).toBe("ok");
  });

  it("tells a disabled operator so only when the password is right", async () => {
    const user = await operator();
    expect(await setOperatorDisabled(deps, { actorId: "cli", userId: user.id, disabled: true })).toEqual({
      status: "ok",
    });
    expect(await attempt(user.email, password)).toEqual({ status: "disabled" });
    expect(await attempt(user.email, "not the right password")).toEqual({ status: "invalid" });
  });
});
