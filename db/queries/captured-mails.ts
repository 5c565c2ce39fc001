import { asc, desc, eq, inArray, lt } from "drizzle-orm";
import type { Db, Tx } from "../client";
import { pageByKeyset, type KeysetCursor, type KeysetPage } from "../keyset";
import { capturedMails, type CapturedMail } from "../schema";

type Conn = Db | Tx;

export async function insertCapturedMail(
  db: Conn,
  mail: Omit<CapturedMail, "id" | "createdAt"> & { createdAt?: Date },
) {
  await db.insert(capturedMails).values(mail);
}

export type CapturedMailRow = Pick<
  CapturedMail,
  "id" | "deliveryId" | "messageId" | "envelopeTo" | "headers" | "subject" | "createdAt"
>;

export async function listCapturedMailsPage(
  db: Conn,
  { cursor, limit }: { cursor: KeysetCursor; limit: number },
): Promise<KeysetPage<CapturedMailRow>> {
  return pageByKeyset(capturedMails.id, { cursor, limit }, ({ bound, order, take }) =>
    db
      .select({
        id: capturedMails.id,
        deliveryId: capturedMails.deliveryId,
        messageId: capturedMails.messageId,
        envelopeTo: capturedMails.envelopeTo,
        headers: capturedMails.headers,
        subject: capturedMails.subject,
        createdAt: capturedMails.createdAt,
      })
      .from(capturedMails)
      .where(bound)
      .orderBy(order)
      .limit(take),
  );
}

export async function findCapturedMailById(db: Conn, { id }: { id: number }): Promise<CapturedMail | null> {
  const [row] = await db.select().from(capturedMails).where(eq(capturedMails.id, id));
  return row ?? null;
}

/** The Inbox copies of one delivery, oldest first: one per time it was sent to the capture transport. */
export async function listCapturedMailsOfDelivery(
  db: Conn,
  { deliveryId }: { deliveryId: number },
): Promise<Pick<CapturedMail, "id" | "createdAt">[]> {
  return db
    .select({ id: capturedMails.id, createdAt: capturedMails.createdAt })
    .from(capturedMails)
    .where(eq(capturedMails.deliveryId, deliveryId))
    .orderBy(asc(capturedMails.id));
}

export async function deleteCapturedMailsBefore(
  db: Conn,
  { before, limit }: { before: Date; limit: number },
): Promise<number> {
  const old = db
    .select({ id: capturedMails.id })
    .from(capturedMails)
    .where(lt(capturedMails.createdAt, before))
    .orderBy(desc(capturedMails.id))
    .limit(limit);
  const rows = await db.delete(capturedMails).where(inArray(capturedMails.id, old)).returning({ id: capturedMails.id });
  return rows.length;
}
