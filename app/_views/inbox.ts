import type { Db } from "@/db/client";
import { findCapturedMailById, listCapturedMailsPage, type CapturedMailRow } from "@/db/queries/captured-mails";
import type { CapturedMail } from "@/db/schema";
import { parsePageCursor, type IgnoredFilter, type Params } from "./list-params";

export const INBOX_PAGE_SIZE = 50;

export type InboxView = {
  ignored: IgnoredFilter[];
  rows: CapturedMailRow[];
  newer: number | null;
  older: number | null;
};

/** A page of captured mail, newest first, from the URL's page link. */
export async function loadInbox(
  db: Db,
  params: Params,
  { pageSize = INBOX_PAGE_SIZE }: { pageSize?: number } = {},
): Promise<InboxView> {
  const ignored: IgnoredFilter[] = [];
  const cursor = parsePageCursor(params, ignored);
  const page = await listCapturedMailsPage(db, { cursor, limit: pageSize });
  return { ignored, rows: page.rows, newer: page.newer, older: page.older };
}

/** One captured mail; null for an id that cannot be one or is gone. */
export async function loadCapturedMail(db: Db, id: string): Promise<CapturedMail | null> {
  if (!/^\d{1,15}$/.test(id)) return null;
  return findCapturedMailById(db, { id: Number(id) });
}
