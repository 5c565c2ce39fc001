import { and, asc, eq, sql } from "drizzle-orm";
import type { Db, Tx } from "../client";
import { pageByKeyset, type KeysetCursor, type KeysetPage } from "../keyset";
import { inboundRejections, inbounds, type Inbound, type InboundRejection } from "../schema";

type Conn = Db | Tx;

export async function listInboundsByName(db: Conn): Promise<Inbound[]> {
  return db
    .select()
    .from(inbounds)
    .orderBy(sql`lower(${inbounds.name})`, asc(inbounds.id));
}

export async function findInboundById(db: Conn, { id }: { id: string }): Promise<Inbound | null> {
  const [row] = await db.select().from(inbounds).where(eq(inbounds.id, id));
  return row ?? null;
}

/** Deletes an inbound and, by cascade, the rejections kept for it; its events stay. */
export async function deleteInboundById(db: Conn, { id }: { id: string }): Promise<Inbound | null> {
  const [row] = await db.delete(inbounds).where(eq(inbounds.id, id)).returning();
  return row ?? null;
}

/** An inbound's refused messages, newest first, a keyset page at a time. */
export async function listInboundRejectionsPage(
  db: Conn,
  { inboundId, cursor, limit }: { inboundId: string; cursor: KeysetCursor; limit: number },
): Promise<KeysetPage<InboundRejection>> {
  return pageByKeyset(inboundRejections.id, { cursor, limit }, ({ bound, order, take }) =>
    db
      .select()
      .from(inboundRejections)
      .where(and(eq(inboundRejections.inboundId, inboundId), bound))
      .orderBy(order)
      .limit(take),
  );
}
