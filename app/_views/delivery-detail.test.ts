import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { insertCapturedMail } from "@/db/queries/captured-mails";
import { deliveries } from "@/db/schema";
import { openTestDatabase, testDriver } from "@/testing/database";
import { loadDeliveryDetail } from "./delivery-log";

describe(`a delivery's page on ${testDriver}`, () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database?.close());

  const headers = { from: "spark@example.com", to: ["ada@example.com"], cc: [], bcc: [], replyTo: [] };
  const delivery = async (recipient: string) =>
    (
      await database.db
        .insert(deliveries)
        .values({ recipient, status: "sent", subject: "Hi", headers, sentAt: new Date() })
        .returning()
    )[0]!;
  const capture = (deliveryId: number | null) =>
    insertCapturedMail(database.db, {
      deliveryId,
      messageId: `<spark.delivery.${deliveryId}@example.com>`,
      envelopeFrom: "spark@example.com",
      envelopeTo: ["ada@example.com"],
      headers,
      subject: "Hi",
      html: "",
      text: "Hi",
      raw: "",
    });

  it("links to its Inbox copies when the capture transport kept it, and to none of another delivery's", async () => {
    const captured = await delivery("ada@example.com");
    const other = await delivery("bob@example.com");
    const notCaptured = await delivery("eve@example.com");
    await capture(captured.id);
    await capture(other.id);
    await capture(null);
    const detail = await loadDeliveryDetail(database.db, String(captured.id));
    expect(detail?.inboxCopies).toHaveLength(1);
    const again = await loadDeliveryDetail(database.db, String(other.id));
    expect(again?.inboxCopies.map((c) => c.id)).not.toEqual(detail?.inboxCopies.map((c) => c.id));
    expect((await loadDeliveryDetail(database.db, String(notCaptured.id)))?.inboxCopies).toEqual([]);
  });
});
