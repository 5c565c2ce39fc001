import { and, count, eq, gt, lt, min } from "drizzle-orm";
import type { Db, Tx } from "../client";
import { loginFailures } from "../schema";

type Conn = Db | Tx;

export async function insertLoginFailure(db: Conn, failure: { email: string; ip: string; at: Date }): Promise<void> {
  await db.insert(loginFailures).values(failure);
}

/** Failures since `since` for this email and for this ip, with the oldest of each (when the window frees up). */
export async function countLoginFailuresSince(db: Conn, { email, ip, since }: { email: string; ip: string; since: Date }) {
  const [byEmail] = await db
    .select({ n: count(), oldest: min(loginFailures.at) })
    .from(loginFailures)
    .where(and(eq(loginFailures.email, email), gt(loginFailures.at, since)));
  const [byIp] = await db
    .select({ n: count(), oldest: min(loginFailures.at) })
    .from(loginFailures)
    .where(and(eq(loginFailures.ip, ip), gt(loginFailures.at, since)));
  return { byEmail: { n: byEmail?.n ?? 0, oldest: byEmail?.oldest ?? null }, byIp: { n: byIp?.n ?? 0, oldest: byIp?.oldest ?? null } };
}

export async function deleteLoginFailuresByEmail(db: Conn, { email }: { email: string }): Promise<void> {
  await db.delete(loginFailures).where(eq(loginFailures.email, email));
}

export async function deleteLoginFailuresBefore(db: Conn, { before }: { before: Date }): Promise<void> {
  await db.delete(loginFailures).where(lt(loginFailures.at, before));
}
