import {
  countLoginFailuresSince,
  deleteLoginFailuresBefore,
  deleteLoginFailuresByEmail,
  insertLoginFailure,
} from "@/db/queries/login-failures";
import { deleteExpiredSessions } from "@/db/queries/sessions";
import { findUserByEmail, updateUserLastLoginById } from "@/db/queries/users";
import type { Deps } from "../deps";
import { verifyDecoyPassword, verifyPassword } from "./password";
import { startSession, type Operator } from "./sessions";

export const LOGIN_LIMIT = { failures: 10, windowMs: 15 * 60_000 } as const;

export type LoginResult =
  | { status: "ok"; operator: Operator; token: string; expiresAt: Date }
  | { status: "invalid" }
  | { status: "disabled" }
  | { status: "limited"; retryAt: Date };

/**
 * Checks a password and opens a session. Failures are counted per email and per ip; past the limit the
 * answer is "limited" without checking the password, so guessing stops paying off.
 */
export async function logIn(
  deps: Pick<Deps, "db" | "clock">,
  input: { email: string; password: string; ip: string; userAgent?: string | null; sessionDays: number },
): Promise<LoginResult> {
  const { db, clock } = deps;
  const now = clock();
  const email = input.email.trim().toLowerCase();
  const since = new Date(now.getTime() - LOGIN_LIMIT.windowMs);
  await deleteLoginFailuresBefore(db, { before: since });
  const { byEmail, byIp } = await countLoginFailuresSince(db, { email, ip: input.ip, since });
  const limited = [byEmail, byIp].filter((c) => c.n >= LOGIN_LIMIT.failures && c.oldest);
  if (limited.length > 0) {
    const retryAt = Math.max(...limited.map((c) => c.oldest!.getTime() + LOGIN_LIMIT.windowMs));
    return { status: "limited", retryAt: new Date(retryAt) };
  }

  const user = await findUserByEmail(db, { email });
  const ok = user?.passwordHash ? await verifyPassword(input.password, user.passwordHash) : await verifyDecoyPassword(input.password);
  if (!user || !ok) {
    await insertLoginFailure(db, { email, ip: input.ip, at: now });
    return { status: "invalid" };
  }
  // Said only to someone who knows the password, so it reveals nothing to a guesser.
  if (user.disabledAt) return { status: "disabled" };

  await deleteLoginFailuresByEmail(db, { email });
  // Sign-ins are rare enough to sweep expired sessions here instead of in a job of their own.
  await deleteExpiredSessions(db, { now });
  await updateUserLastLoginById(db, { id: user.id, at: now });
  const { token, expiresAt } = await startSession(deps, { userId: user.id, days: input.sessionDays, ip: input.ip, userAgent: input.userAgent });
  return { status: "ok", operator: { id: user.id, email: user.email, role: user.role }, token, expiresAt };
}
