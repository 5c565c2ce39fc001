import type { Db } from "@/db/client";
import { listUsers } from "@/db/queries/users";
import type { OperatorRole } from "@/db/schema";
import { listThrottledLogins, THROTTLE, type ThrottledLogin } from "@/spark/accounts/throttle";

export type OperatorStatus = "active" | "invited" | "disabled";

/** An operator as Settings → Operators lists them: never their password hash, only whether they chose one. */
export type OperatorRow = {
  id: string;
  email: string;
  role: OperatorRole;
  status: OperatorStatus;
  lastLoginAt: Date | null;
  createdAt: Date;
  /** Posted back with a change, so a change to an operator someone else changed since is refused. */
  version: number;
};

export type OperatorsView = {
  operators: OperatorRow[];
  throttled: ThrottledLogin[];
  throttle: { pairFreeFailures: number; clientFreeFailures: number };
};

/** Every operator, oldest first, and the sign-ins that have used up their free failures as of `now`. */
export async function loadOperators(db: Db, { now }: { now: Date }): Promise<OperatorsView> {
  const [users, throttled] = await Promise.all([listUsers(db), listThrottledLogins({ db, clock: () => now })]);
  return {
    operators: users.map((u) => ({
      id: u.id,
      email: u.email,
      role: u.role,
      status: u.disabledAt ? "disabled" : u.passwordHash ? "active" : "invited",
      lastLoginAt: u.lastLoginAt,
      createdAt: u.createdAt,
      version: u.version,
    })),
    throttled,
    throttle: { pairFreeFailures: THROTTLE.pairFreeFailures, clientFreeFailures: THROTTLE.clientFreeFailures },
  };
}
