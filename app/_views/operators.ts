import type { Db } from "@/db/client";
import { listLoginFailureGroups } from "@/db/queries/login-failures";
import { listUsers } from "@/db/queries/users";
import type { OperatorRole } from "@/db/schema";
import { THROTTLE, throttledUntil } from "@/spark/accounts/throttle";

export type OperatorStatus = "active" | "invited" | "disabled";

/** An operator as Settings → Operators lists them: never their password hash, only whether they chose one. */
export type OperatorRow = {
  id: string;
  email: string;
  role: OperatorRole;
  status: OperatorStatus;
  lastLoginAt: Date | null;
  createdAt: Date;
};

export type ThrottledLogin = {
  email: string | null;
  ip: string;
  failures: number;
  lastFailure: Date;
  /** When they may try again; null when they may now (though the next failure waits longer). */
  until: Date | null;
};

export type OperatorsView = {
  operators: OperatorRow[];
  throttled: ThrottledLogin[];
  throttle: { pairFreeFailures: number; clientFreeFailures: number };
};

/** Every operator, oldest first, and the sign-ins that have used up their free failures as of `now`. */
export async function loadOperators(db: Db, { now }: { now: Date }): Promise<OperatorsView> {
  const [users, groups] = await Promise.all([
    listUsers(db),
    listLoginFailureGroups(db, {
      since: new Date(now.getTime() - THROTTLE.memoryMs),
      pairMin: THROTTLE.pairFreeFailures,
      clientMin: THROTTLE.clientFreeFailures,
    }),
  ]);
  return {
    operators: users.map((u) => ({
      id: u.id,
      email: u.email,
      role: u.role,
      status: u.disabledAt ? "disabled" : u.passwordHash ? "active" : "invited",
      lastLoginAt: u.lastLoginAt,
      createdAt: u.createdAt,
    })),
    throttled: groups.map((g) => ({
      email: g.email,
      ip: g.ip,
      failures: g.n,
      lastFailure: g.last,
      until: throttledUntil(g, g.email === null ? THROTTLE.clientFreeFailures : THROTTLE.pairFreeFailures, now),
    })),
    throttle: { pairFreeFailures: THROTTLE.pairFreeFailures, clientFreeFailures: THROTTLE.clientFreeFailures },
  };
}
