import { and, count, desc, eq, gt, gte, lt, max, ne, sql, type SQL } from "drizzle-orm";
import type { Db, Tx } from "../client";
import { loginFailures } from "../schema";

type Conn = Db | Tx;

export type FailureCount = { n: number; last: Date | null };

export async function insertLoginFailure(db: Conn, failure: { email: string; ip: string; at: Date }): Promise<number> {
  const [row] = await db.insert(loginFailures).values(failure).returning({ id: loginFailures.id });
  return row!.id;
}

export async function deleteLoginFailureById(db: Conn, { id }: { id: number }): Promise<void> {
  await db.delete(loginFailures).where(eq(loginFailures.id, id));
}

/**
 * Failures since `since` for this email from this ip, and from this ip for any email, each with its
 * latest; `exceptId` leaves out the caller's own attempt.
 */
export async function countLoginFailuresSince(
  db: Conn,
  { email, ip, since, exceptId }: { email: string; ip: string; since: Date; exceptId?: number },
): Promise<{ pair: FailureCount; client: FailureCount }> {
  const [row] = await db
    .select({
      pairN: sql<number>`count(*) filter (where ${loginFailures.email} = ${email})`.mapWith(Number),
      pairLast: sql<Date | null>`max(${loginFailures.at}) filter (where ${loginFailures.email} = ${email})`.mapWith(
        loginFailures.at,
      ),
      clientN: count(),
      clientLast: max(loginFailures.at),
    })
    .from(loginFailures)
    .where(
      and(
        eq(loginFailures.ip, ip),
        gt(loginFailures.at, since),
        exceptId === undefined ? undefined : ne(loginFailures.id, exceptId),
      ),
    );
  return {
    pair: { n: row?.pairN ?? 0, last: row?.pairLast ?? null },
    client: { n: row?.clientN ?? 0, last: row?.clientLast ?? null },
  };
}

export type FailureGroup = { email: string | null; ip: string; n: number; last: Date };

/**
 * (email, ip) pairs with at least `pairMin` failures since `since`, and ips with at least `clientMin`
 * across all emails (email null), most recent first.
 */
export async function listLoginFailureGroups(
  db: Conn,
  { since, pairMin, clientMin, limit = 200 }: { since: Date; pairMin: number; clientMin: number; limit?: number },
): Promise<FailureGroup[]> {
  const recent = gt(loginFailures.at, since);
  const n = count();
  const last = max(loginFailures.at);
  const pairs = await db
    .select({ email: loginFailures.email, ip: loginFailures.ip, n, last })
    .from(loginFailures)
    .where(recent)
    .groupBy(loginFailures.email, loginFailures.ip)
    .having(gte(n, pairMin))
    .orderBy(desc(last))
    .limit(limit);
  const clients = await db
    .select({ ip: loginFailures.ip, n, last })
    .from(loginFailures)
    .where(recent)
    .groupBy(loginFailures.ip)
    .having(gte(n, clientMin))
    .orderBy(desc(last))
    .limit(limit);
  return [
    ...pairs.map((p) => ({ ...p, last: p.last! })),
    ...clients.map((c) => ({ email: null, ...c, last: c.last! })),
  ];
}

/** Forgets failures: of one email (from every ip), of one ip (for every email), or of one pair. Answers how many. */
export async function deleteLoginFailures(db: Conn, { email, ip }: { email?: string; ip?: string }): Promise<number> {
  const where: SQL[] = [];
  if (email !== undefined) where.push(eq(loginFailures.email, email));
  if (ip !== undefined) where.push(eq(loginFailures.ip, ip));
  if (where.length === 0) throw new Error("deleteLoginFailures needs an email, an ip or both");
  const rows = await db
    .delete(loginFailures)
    .where(and(...where))
    .returning({ id: loginFailures.id });
  return rows.length;
}

export async function deleteLoginFailuresBefore(db: Conn, { before }: { before: Date }): Promise<void> {
  await db.delete(loginFailures).where(lt(loginFailures.at, before));
}
