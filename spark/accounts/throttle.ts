import { deleteLoginFailures, listLoginFailureGroups } from "@/db/queries/login-failures";
import type { Deps } from "../deps";

/**
 * Sign-in throttling. Failures are remembered per (email, client) and per client, never per email
 * alone: a stranger's failures from elsewhere cannot keep the operator out. Past a few free failures
 * each further one doubles the wait before the next try, up to a cap.
 */
export const THROTTLE = {
  /** Failures of one email from one client before it has to wait. */
  pairFreeFailures: 5,
  /** Failures from one client across all emails (an office behind one address mistypes too). */
  clientFreeFailures: 20,
  firstWaitMs: 30_000,
  maxWaitMs: 15 * 60_000,
  /** How long a failure counts. */
  memoryMs: 24 * 60 * 60_000,
} as const;

/** The wait after `failures` failures when the first `free` cost nothing: 30 s, 1 min, 2 min, … 15 min. */
export function throttleWaitMs(failures: number, free: number): number {
  if (failures < free) return 0;
  return Math.min(THROTTLE.maxWaitMs, THROTTLE.firstWaitMs * 2 ** Math.min(failures - free, 30));
}

/** When the next try is allowed after `n` failures, the latest at `last`; null when it is allowed now. */
export function throttledUntil({ n, last }: { n: number; last: Date | null }, free: number, now: Date): Date | null {
  if (!last) return null;
  const until = new Date(last.getTime() + throttleWaitMs(n, free));
  return until > now ? until : null;
}

export type ThrottledLogin = {
  email: string | null;
  ip: string;
  failures: number;
  lastFailure: Date;
  until: Date | null;
};

/**
 * Pairs and clients that have used up their free failures, for Settings → Operators. `until` is when
 * they may try again (null: now, though the next failure waits longer).
 */
export async function listThrottledLogins(deps: Pick<Deps, "db" | "clock">): Promise<ThrottledLogin[]> {
  const now = deps.clock();
  const groups = await listLoginFailureGroups(deps.db, {
    since: new Date(now.getTime() - THROTTLE.memoryMs),
    pairMin: THROTTLE.pairFreeFailures,
    clientMin: THROTTLE.clientFreeFailures,
  });
  return groups.map((g) => ({
    email: g.email,
    ip: g.ip,
    failures: g.n,
    lastFailure: g.last,
    until: throttledUntil(g, g.email === null ? THROTTLE.clientFreeFailures : THROTTLE.pairFreeFailures, now),
  }));
}

/** Lifts throttling: an email's from every client, a client's for every email, or one pair. Answers how many failures were forgotten. */
export async function liftThrottle(deps: Pick<Deps, "db">, target: { email?: string; ip?: string }): Promise<number> {
  return deleteLoginFailures(deps.db, { email: target.email?.trim().toLowerCase(), ip: target.ip });
}
