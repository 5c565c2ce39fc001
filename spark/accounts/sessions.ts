import { deleteSessionById, findLiveSessionById, insertSession } from "@/db/queries/sessions";
import type { Session, User } from "@/db/schema";
import type { Deps } from "../deps";
import { hashToken, newToken } from "./tokens";

export type Operator = Pick<User, "id" | "email" | "role">;
export type LiveSession = { operator: Operator; session: Session };

export async function startSession(
  { db, clock }: Pick<Deps, "db" | "clock">,
  { userId, days, ip, userAgent }: { userId: string; days: number; ip?: string | null; userAgent?: string | null },
): Promise<{ token: string; expiresAt: Date }> {
  const token = newToken();
  const expiresAt = new Date(clock().getTime() + days * 86_400_000);
  await insertSession(db, {
    id: hashToken(token),
    userId,
    expiresAt,
    ip: ip ?? null,
    userAgent: userAgent?.slice(0, 400) ?? null,
  });
  return { token, expiresAt };
}

/** The operator behind a cookie's token, or null when it is unknown, expired, or the account is disabled. */
export async function resolveSession(
  { db, clock }: Pick<Deps, "db" | "clock">,
  { token }: { token: string | undefined },
): Promise<LiveSession | null> {
  if (!token || token.length > 100) return null;
  const row = await findLiveSessionById(db, { id: hashToken(token), now: clock() });
  if (!row) return null;
  return { session: row.session, operator: { id: row.user.id, email: row.user.email, role: row.user.role } };
}

export async function endSession({ db }: Pick<Deps, "db">, { token }: { token: string }): Promise<void> {
  await deleteSessionById(db, { id: hashToken(token) });
}
