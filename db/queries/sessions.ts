import { and, eq, gt, isNull, lte, ne } from "drizzle-orm";
import type { Db, Tx } from "../client";
import { sessions, users, type Session, type User } from "../schema";

type Conn = Db | Tx;

export async function insertSession(db: Conn, session: typeof sessions.$inferInsert): Promise<void> {
  await db.insert(sessions).values(session);
}

/** A live session and its user; a disabled user's sessions count as gone at once. */
export async function findLiveSessionById(
  db: Conn,
  { id, now }: { id: string; now: Date },
): Promise<{ session: Session; user: User } | null> {
  const [row] = await db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, id), gt(sessions.expiresAt, now), isNull(users.disabledAt)));
  return row ?? null;
}

export async function deleteSessionById(db: Conn, { id }: { id: string }): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, id));
}

export async function deleteSessionsByUser(
  db: Conn,
  { userId, exceptId }: { userId: string; exceptId?: string },
): Promise<void> {
  await db
    .delete(sessions)
    .where(exceptId ? and(eq(sessions.userId, userId), ne(sessions.id, exceptId)) : eq(sessions.userId, userId));
}

export async function deleteExpiredSessions(db: Conn, { now }: { now: Date }): Promise<void> {
  await db.delete(sessions).where(lte(sessions.expiresAt, now));
}
