import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { deliveries, mailTemplates } from "@/db/schema";
import { openTestDatabase, testDriver } from "@/testing/database";
import { startSmtpSink, type SmtpSink } from "@/testing/smtp-sink";
import { createSmtpMailer } from "@/emails/transports/smtp";
import type { Mailer } from "@/emails/transports/types";
import { recordEvents } from "../events/record";
import { retryDelivery, resendDelivery } from "./deliveries";
import { createMailHandler } from "./handler";
import { deliverDue } from "./outbox";
import { testDeps } from "@/testing/deps";

const settings = { mail: { defaultFrom: "Spark <spark@example.com>", messageIdDomain: "example.com", maxAttempts: 2 } };

describe(`retry and resend on ${testDriver}`, () => {
  let database: Database;
  let sink: SmtpSink;
  let mailer: Mailer;
  const clock = () => new Date("2030-01-01T00:00:00Z");
  let seq = 0;
  beforeAll(async () => {
    database = await openTestDatabase();
    sink = await startSmtpSink();
    mailer = createSmtpMailer({ url: sink.url, connections: 1, timeoutMs: 3000 });
  });
  afterAll(async () => {
    await mailer?.close();
    await sink?.stop();
    await database?.close();
  });
  const deps = () => testDeps(database, { mailer, clock, settings });

  async function record(group: string, context: Record<string, unknown>) {
    const handler = await createMailHandler(deps());
    await recordEvents(deps(), {
      events: [{ group, key: `${group}:${++seq}`, context, generatorId: null, source: null }],
      handlers: handler ? [handler] : [],
    });
    return database.db.select().from(deliveries).orderBy(deliveries.id);
  }

  it("retries a dead delivery now and it is sent, keeping its attempts", async () => {
    await database.db
      .insert(mailTemplates)
      .values({ name: "retry", groupPattern: "retry", subject: "Hi", text: "Body", toAddress: "{{ email }}" });
    await record("retry", { email: "bounce@example.com" });
    sink.rule = () => ({ code: 550, message: "No mailbox" });
    await deliverDue(deps(), { limit: 10 });
    const [dead] = await database.db.select().from(deliveries).where(eq(deliveries.recipient, "bounce@example.com"));
    expect(dead).toMatchObject({ status: "dead", attempts: 1 });
    sink.rule = () => null;
    expect(await retryDelivery(deps(), { id: dead!.id })).toEqual({
      status: "sent",
      message: "Sent to bounce@example.com.",
      deliveryIds: [dead!.id],
    });
    const [after] = await database.db.select().from(deliveries).where(eq(deliveries.id, dead!.id));
    expect(after).toMatchObject({ status: "sent", attempts: 2 });
    expect(await retryDelivery(deps(), { id: dead!.id })).toEqual({
      status: "refused",
      message: "Only failed or dead deliveries are retried; this one is sent.",
    });
  });

  it("resends a sent delivery as a new one linked to it, leaving the original as it was", async () => {
    const [sent] = await database.db.select().from(deliveries).where(eq(deliveries.recipient, "bounce@example.com"));
    const before = sink.byRecipient("bounce@example.com").length;
    const result = await resendDelivery(deps(), { id: sent!.id, by: null });
    expect(result).toMatchObject({ status: "sent" });
    const copyId = result.status === "refused" ? 0 : result.deliveryIds[0]!;
    const [copy] = await database.db.select().from(deliveries).where(eq(deliveries.id, copyId));
    expect(copy).toMatchObject({
      resendOf: sent!.id,
      status: "sent",
      subject: sent!.subject,
      recipient: sent!.recipient,
    });
    expect((await database.db.select().from(deliveries).where(eq(deliveries.id, sent!.id)))[0]).toEqual(sent);
    const received = sink.byRecipient("bounce@example.com");
    expect(received).toHaveLength(before + 1);
    expect(received.at(-1)!.messageId).toBe(`<spark.delivery.${copyId}@example.com>`);
  });

  it("renders again, from the fixed template, a delivery that died because its template did not render", async () => {
    const [template] = await database.db
      .insert(mailTemplates)
      .values({
        name: "broken",
        groupPattern: "broken",
        subject: "For {{ nme }}",
        text: "Body",
        toAddress: "{{ email }}",
      })
      .returning();
    await record("broken", { name: "Ada", email: "fixed@example.com" });
    const [dead] = await database.db.select().from(deliveries).where(eq(deliveries.templateId, template!.id));
    expect(dead).toMatchObject({ status: "dead", recipient: "" });
    const still = await retryDelivery(deps(), { id: dead!.id });
    expect(still.status).toBe("refused");
    expect(still.message).toMatch(/still does not render .*`nme` is not defined/);

    await database.db
      .update(mailTemplates)
      .set({ subject: "For {{ name }}", version: 2 })
      .where(eq(mailTemplates.id, template!.id));
    const retried = await retryDelivery(deps(), { id: dead!.id });
    expect(retried).toMatchObject({ status: "sent", message: "Rendered again with version 2: 1 delivery, 1 sent." });
    expect(sink.byRecipient("fixed@example.com").map((m) => m.parsed.subject)).toEqual(["For Ada"]);
    const [again] = await database.db.select().from(deliveries).where(eq(deliveries.resendOf, dead!.id));
    expect(again).toMatchObject({ recipient: "fixed@example.com", status: "sent" });
  });
});
