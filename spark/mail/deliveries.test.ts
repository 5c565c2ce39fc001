import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { deliveries, deliveryAttempts, mailTemplates, users } from "@/db/schema";
import { openTestDatabase, testDriver } from "@/testing/database";
import { startSmtpSink, type SmtpSink } from "@/testing/smtp-sink";
import { createSmtpMailer } from "@/emails/transports/smtp";
import type { Mailer } from "@/emails/transports/types";
import { recordEvents } from "../events/record";
import { retryDeadDeliveries, retryDelivery, resendDelivery } from "./deliveries";
import { createMailHandler } from "./handler";
import { deliverDue } from "./outbox";
import { expandOutbox } from "./expand";
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
    // The sender renders queued mail into deliveries before it sends them.
    await expandOutbox(deps(), { limit: 1000 });
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
      status: "unchanged",
      message: "Already sent to bounce@example.com; nothing was sent again.",
      deliveryIds: [dead!.id],
    });
  });

  it("resends a sent delivery as a new one linked to it, leaving the original as it was", async () => {
    const [sent] = await database.db.select().from(deliveries).where(eq(deliveries.recipient, "bounce@example.com"));
    const before = sink.byRecipient("bounce@example.com").length;
    const result = await resendDelivery(deps(), { id: sent!.id, by: null, seen: null });
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

  it("a double click on Retry now sends once, and the second click says it was done", async () => {
    await database.db
      .insert(mailTemplates)
      .values({ name: "twice", groupPattern: "twice", subject: "Hi", text: "Body", toAddress: "{{ email }}" });
    await record("twice", { email: "twice@example.com" });
    sink.rule = () => ({ code: 550, message: "No mailbox" });
    await deliverDue(deps(), { limit: 10 });
    sink.rule = () => null;
    const [dead] = await database.db.select().from(deliveries).where(eq(deliveries.recipient, "twice@example.com"));
    const results = await Promise.all([
      retryDelivery(deps(), { id: dead!.id }),
      retryDelivery(deps(), { id: dead!.id }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["sent", "unchanged"]);
    expect(sink.byRecipient("twice@example.com")).toHaveLength(1);
    const attempts = await database.db.select().from(deliveryAttempts).where(eq(deliveryAttempts.deliveryId, dead!.id));
    expect(attempts.map((a) => a.outcome)).toEqual(["dead", "sent"]);
  });

  it("Resend carries the newest resend its page saw: a double click or a replay sends one copy", async () => {
    const [ada, bob] = await database.db
      .insert(users)
      .values([{ email: "ada-resend@example.com" }, { email: "bob-resend@example.com" }])
      .returning();
    const [sent] = await database.db.select().from(deliveries).where(eq(deliveries.recipient, "twice@example.com"));
    const before = sink.byRecipient("twice@example.com").length;
    const click = () => resendDelivery(deps(), { id: sent!.id, by: ada!.id, seen: null });
    const [first, second] = await Promise.all([click(), click()]);
    expect([first!.status, second!.status].sort()).toEqual(["sent", "unchanged"]);
    const copies = await database.db.select().from(deliveries).where(eq(deliveries.resendOf, sent!.id));
    expect(copies).toHaveLength(1);
    expect(sink.byRecipient("twice@example.com")).toHaveLength(before + 1);

    // The same form posted again later, by its operator: the same answer, nothing sent.
    expect(await click()).toEqual({
      status: "unchanged",
      message: `Already resent as delivery #${copies[0]!.id} (sent); nothing was sent again.`,
      deliveryIds: [copies[0]!.id],
    });
    // Another operator's page, loaded before that resend: refused, not merged into theirs.
    expect(await resendDelivery(deps(), { id: sent!.id, by: bob!.id, seen: null })).toEqual({
      status: "refused",
      message: `It was resent as delivery #${copies[0]!.id} since this page was loaded; reload it to resend again.`,
    });
    // A token that names no resend of this delivery (forged, or another delivery's) is refused too.
    expect((await resendDelivery(deps(), { id: sent!.id, by: ada!.id, seen: 999_999 })).status).toBe("unchanged");
    expect((await resendDelivery(deps(), { id: sent!.id, by: bob!.id, seen: 999_999 })).status).toBe("refused");
    // A page that shows that resend may resend again, on purpose.
    expect(await resendDelivery(deps(), { id: sent!.id, by: bob!.id, seen: copies[0]!.id })).toMatchObject({
      status: "sent",
    });
    expect(sink.byRecipient("twice@example.com")).toHaveLength(before + 2);
  });

  it("rendering a dead delivery again twice at once makes one set of deliveries", async () => {
    const [template] = await database.db
      .insert(mailTemplates)
      .values({ name: "rerender", groupPattern: "rerender", subject: "{{ nme }}", text: "B", toAddress: "{{ email }}" })
      .returning();
    await record("rerender", { nme: undefined, email: "rerender@example.com" });
    const [dead] = await database.db.select().from(deliveries).where(eq(deliveries.templateId, template!.id));
    expect(dead).toMatchObject({ status: "dead", recipient: "" });
    await database.db
      .update(mailTemplates)
      .set({ subject: "Fixed", version: 2 })
      .where(eq(mailTemplates.id, template!.id));
    const results = await Promise.all([
      retryDelivery(deps(), { id: dead!.id }),
      retryDelivery(deps(), { id: dead!.id }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["sent", "unchanged"]);
    expect(await database.db.select().from(deliveries).where(eq(deliveries.resendOf, dead!.id))).toHaveLength(1);
    expect(sink.byRecipient("rerender@example.com")).toHaveLength(1);
    expect((await retryDelivery(deps(), { id: dead!.id })).status).toBe("unchanged");
  });

  it("retry all dead queues each dead delivery once: a second click finds none", async () => {
    await database.db
      .insert(mailTemplates)
      .values({ name: "bulk", groupPattern: "bulk", subject: "Hi", text: "Body", toAddress: "{{ email }}" });
    await record("bulk", { email: "bulk@example.com" });
    sink.rule = () => ({ code: 550, message: "No mailbox" });
    await deliverDue(deps(), { limit: 10 });
    sink.rule = () => null;
    const [first, second] = await Promise.all([
      retryDeadDeliveries(deps(), { filters: { group: "bulk" } }),
      retryDeadDeliveries(deps(), { filters: { group: "bulk" } }),
    ]);
    expect(first + second).toBe(1);
  });
});
