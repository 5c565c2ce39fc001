import {
  countLoginFailuresSince,
  deleteLoginFailureById,
  deleteLoginFailures,
  deleteLoginFailuresBefore,
  insertLoginFailure,
} from "@/db/queries/login-failures";
import { deleteExpiredSessions } from "@/db/queries/sessions";
import { findUserByEmail, updateUserLastLoginById } from "@/db/queries/users";
import type { Deps } from "../deps";
import { verifyDecoyPassword, verifyPassword } from "./password";
import { startSession, type Operator } from "./sessions";
import { THROTTLE, throttledUntil } from "./throttle";

export type LoginResult =
  | { status: "ok"; operator: Operator; token: string; expiresAt: Date }
  | { status: "invalid" }
  | { status: "disabled" }
  | { status: "limited"; retryAt: Date };

/**
 * Checks a password and opens a session. Failures slow down the (email, ip) pair and the ip (see
 * throttle.ts); while either has to wait the answer is "limited" without checking the password, so
 * guessing stops paying off, and nobody else's failures stand between an operator and their password.
 */
export async function logIn(
  deps: Pick<Deps, "db" | "clock">,
  input: { email: string; password: string; ip: string; userAgent?: string | null; sessionDays: number },
): Promise<LoginResult> {
  const { db, clock } = deps;
  const now = clock();
  const email = input.email.trim().toLowerCase();
  const since = new Date(now.getTime() - THROTTLE.memoryMs);
  await deleteLoginFailuresBefore(db, { before: since });
  // Every attempt counts as a failure until its password checks out, so a burst of parallel guesses
  // sees its own earlier members and cannot slip more than the free failures past the count.
  const attemptId = await insertLoginFailure(db, { email, ip: input.ip, at: now });
  const { pair, client } = await countLoginFailuresSince(db, { email, ip: input.ip, since, exceptId: attemptId });
  const waits = [
    throttledUntil(pair, THROTTLE.pairFreeFailures, now),
    throttledUntil(client, THROTTLE.clientFreeFailures, now),
  ];
  const retryAt = Math.max(...waits.map((d) => d?.getTime() ?? 0));
  if (retryAt > 0) {
    // A try while waiting is not counted, so it does not push the wait further out.
    await deleteLoginFailureById(db, { id: attemptId });
    return { status: "limited", retryAt: new Date(retryAt) };
  }

  const user = await findUserByEmail(db, { email });
  const ok = user?.passwordHash
    ? await verifyPassword(input.password, user.passwordHash)
    : await verifyDecoyPassword(input.password);
  if (!user || !ok) return { status: "invalid" };
  // Said only to someone who knows the password, so it reveals nothing to a guesser.
  if (user.disabledAt) {
    await deleteLoginFailureById(db, { id: attemptId });
    return { status: "disabled" };
  }

  // Only this pair's: the client's failures for other emails still count against it.
  await deleteLoginFailures(db, { email, ip: input.ip });
  // Sign-ins are rare enough to sweep expired sessions here instead of in a job of their own.
  await deleteExpiredSessions(db, { now });
  await updateUserLastLoginById(db, { id: user.id, at: now });
  const { token, expiresAt } = await startSession(deps, {
    userId: user.id,
    days: input.sessionDays,
    ip: input.ip,
    userAgent: input.userAgent,
  });
  return { status: "ok", operator: { id: user.id, email: user.email, role: user.role }, token, expiresAt };
}
