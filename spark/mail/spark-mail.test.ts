import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import {
  countDeadDeliveries,
  countDeliveriesByEvent,
  requeueDeadDeliveries,
  summarizeDeliveryQueue,
} from "@/db/queries/deliveries";
import { listEventLogPage } from "@/db/queries/events";
import { deliveries, events, mailOutbox, mailTemplates, type Delivery } from "@/db/schema";
import { createSmtpMailer } from "@/emails/transports/smtp";
import type { Mailer } from "@/emails/transports/types";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import { startSmtpSink, type SmtpSink } from "@/testing/smtp-sink";
import { recordEvents } from "../events/record";
import { createMetrics, type Metrics } from "../metrics";
import { ingestEvents, SPARK_MAIL_FROM_INBOUND, SPARK_MAIL_NEEDS_SCOPE } from "../producers/ingest";
import { retryDelivery } from "./deliveries";
import { expandOutbox } from "./expand";
import { createMailHandler } from "./handler";
import { deliverDue } from "./outbox";
import { countPastEventsForTemplate, saveTemplate, sendForPastEvents, templateInput } from "./templates";

const settings = {
  leaseMs: 120_000,
  mail: {
    defaultFrom: "Spark <spark@example.com>",
    messageIdDomain: "example.com",
    backoffBaseMs: 60_000,
    backoffCapMs: 600_000,
    maxAttempts: 3,
  },
};

describe(`django-spark's spark_mail and skipped mail on ${testDriver}, through a real SMTP server`, () => {
  let database: Database;
  let sink: SmtpSink;
  let mailer: Mailer;
  let metrics: Metrics;
  let seq = 0;
  const deps = () => testDeps(database, { mailer, settings, metrics });

  beforeAll(async () => {
    database = await openTestDatabase();
    sink = await startSmtpSink();
    mailer = createSmtpMailer({ url: sink.url, connections: 1, timeoutMs: 3_000 });
  });
  afterAll(async () => {
    await mailer?.close();
    await sink?.stop();
    await database?.close();
  });
  beforeEach(async () => {
    metrics = createMetrics();
    await database.db.delete(deliveries);
    await database.db.delete(mailOutbox);
    await database.db.delete(mailTemplates);
    sink.messages.length = 0;
    sink.rule = () => null;
  });

  async function record(group: string, context: Record<string, unknown>) {
    const handler = await createMailHandler(deps());
    const outcome = await recordEvents(deps(), {
      events: [{ group, key: `${group}:${++seq}`, context, generatorId: null, source: null }],
      handlers: [handler],
    });
    return outcome.recorded[0]!;
  }
  const rowsOf = async (eventId: number): Promise<Delivery[]> =>
    (await database.db.select().from(deliveries).orderBy(deliveries.id)).filter((d) => d.eventId === eventId);
  const send = async () => {
    await expandOutbox(deps(), { limit: 1000 });
    return deliverDue(deps(), { limit: 100 });
  };
  async function template(fields: Partial<Record<"to" | "subject" | "text" | "group", string>> = {}) {
    const saved = await saveTemplate(deps(), {
      input: templateInput.parse({
        name: `t${++seq}`,
        group: fields.group ?? "signup",
        active: true,
        from: "",
        to: fields.to ?? "{{ email }}",
        cc: "",
        bcc: "",
        replyTo: "",
        subject: fields.subject ?? "Hello {{ name }}",
        html: "",
        text: fields.text ?? "Body for {{ name }}",
      }),
      by: null,
    });
    if (saved.status !== "ok") throw new Error(`template not saved: ${JSON.stringify(saved)}`);
    return saved.template;
  }

  it("process_mail_events: an event no template answers is mailed from its spark_mail, queued in the event's own transaction", async () => {
    const event = await record("newsletter", {
      spark_mail: {
        to: ["ada@example.com", "Grace Hopper <grace@example.com>"],
        cc: "boss@example.com",
        bcc: ["audit@example.com"],
        reply_to: ["help@example.com"],
        from_email: "news@example.com",
        subject: "Our news",
        body: "Plain <b>text</b> {{ not_liquid }} {% include 'package.json' %}",
      },
    });
    // Written with the event, before any sender ran: nothing waits in the outbox to be rendered.
    const queued = await rowsOf(event.id);
    expect(queued.map((d) => [d.status, d.recipient, d.templateId])).toEqual([
      ["queued", "ada@example.com", null],
      ["queued", "grace@example.com", null],
      ["queued", "boss@example.com", null],
      ["queued", "audit@example.com", null],
    ]);
    expect(await database.db.select().from(mailOutbox)).toEqual([]);

    expect(await send()).toMatchObject({ sent: 4, failed: 0, dead: 0 });
    const [received] = sink.byRecipient("grace@example.com");
    expect(received!.parsed.subject).toBe("Our news");
    // The body is text, sent as it is: no Liquid is run on it, no HTML part is made of it.
    expect(received!.parsed.text?.trim()).toBe("Plain <b>text</b> {{ not_liquid }} {% include 'package.json' %}");
    expect(received!.parsed.html).toBe(false);
    expect(received!.parsed.from?.value).toEqual([{ name: "", address: "news@example.com" }]);
    expect(received!.parsed.replyTo?.text).toBe("help@example.com");
    // Bcc is an envelope recipient only, never a header.
    expect(received!.parsed.headers.has("bcc")).toBe(false);
    expect(sink.byRecipient("audit@example.com")).toHaveLength(1);
    expect((await rowsOf(event.id)).every((d) => d.status === "sent")).toBe(true);
  });

  it("process_mail_events: a template for the group wins over spark_mail, whose values fill only the fields it leaves empty", async () => {
    await template({ to: "", subject: "Welcome {{ name }}" });
    const event = await record("signup", {
      name: "Ada",
      spark_mail: { to: "ada@example.com", subject: "ignored", body: "ignored too" },
    });
    expect(await rowsOf(event.id)).toEqual([]);
    await send();
    const [received] = sink.byRecipient("ada@example.com");
    expect(received!.parsed.subject).toBe("Welcome Ada");
    expect(received!.parsed.text?.trim()).toBe("Body for Ada");
    expect((await rowsOf(event.id)).map((d) => d.status)).toEqual(["sent"]);

    // spark_mail may not make a template's mail come from another domain.
    const forged = await record("signup", {
      name: "Ada",
      spark_mail: { to: "ada@example.com", from_email: "security@bank.example" },
    });
    await expandOutbox(deps(), { limit: 100 });
    expect(await rowsOf(forged.id)).toMatchObject([
      {
        status: "dead",
        lastError: expect.stringContaining("spark_mail.from_email must be an address at example.com"),
      },
    ]);
  });

  it("process_mail_events: an event with neither a template nor spark_mail asks for no mail and gets no delivery", async () => {
    const event = await record("newsletter", { name: "Ada" });
    expect(await rowsOf(event.id)).toEqual([]);
    const nullMail = await record("newsletter", { spark_mail: null });
    expect(await rowsOf(nullMail.id)).toEqual([]);
  });

  it("process_mail_events: spark_mail from an API producer is mailed too, and a handler failure takes it back with the event", async () => {
    const results = await ingestEvents(deps(), {
      items: [
        {
          group: "api_news",
          key: `api_news:${++seq}`,
          context: { spark_mail: { to: "api@example.com", subject: "From the API", body: "Hi" } },
        },
      ],
      source: "api:00000000-0000-4000-8000-000000000001",
    });
    expect(results[0]).toMatchObject({ status: "recorded" });
    await send();
    expect(sink.byRecipient("api@example.com")[0]!.parsed.subject).toBe("From the API");

    const failing = testDeps(database, {
      mailer,
      settings,
      handlers: [
        {
          name: "boom",
          group: "^api_fail$",
          handle: () => {
            throw new Error("boom");
          },
        },
      ],
    });
    const key = `api_fail:${++seq}`;
    const [failed] = await ingestEvents(failing, {
      items: [
        { group: "api_fail", key, context: { spark_mail: { to: "never@example.com", subject: "S", body: "B" } } },
      ],
      source: "api:00000000-0000-4000-8000-000000000001",
    });
    expect(failed).toMatchObject({ status: "failed" });
    const all = await database.db.select().from(deliveries);
    expect(all.filter((d) => d.recipient === "never@example.com")).toEqual([]);
  });

  it("spark_mail from a producer without the mail scope, or from a broker message, is refused as invalid: nothing is recorded and nothing is mailed", async () => {
    const payload = (key: string) => ({
      group: "relay_attempt",
      key,
      context: { spark_mail: { to: ["victim@example.com"], subject: "Urgent", body: "http://evil.example" } },
    });
    const apiKey = `relay_attempt:${++seq}`;
    const [fromKey] = await ingestEvents(deps(), {
      items: [payload(apiKey)],
      source: "api:00000000-0000-4000-8000-000000000002",
      sparkMail: { allowed: false, refusal: SPARK_MAIL_NEEDS_SCOPE },
    });
    expect(fromKey).toEqual({ key: apiKey, status: "invalid", message: SPARK_MAIL_NEEDS_SCOPE });
    const brokerKey = `relay_attempt:${++seq}`;
    const [fromBroker] = await ingestEvents(deps(), {
      items: [payload(brokerKey), { group: "relay_attempt", key: `relay_attempt:${++seq}`, context: {} }],
      source: "inbound:00000000-0000-4000-8000-000000000003",
      sparkMail: { allowed: false, refusal: SPARK_MAIL_FROM_INBOUND },
    });
    expect(fromBroker).toEqual({ key: brokerKey, status: "invalid", message: SPARK_MAIL_FROM_INBOUND });
    // A null spark_mail asks for nothing and is let through.
    const [nothing] = await ingestEvents(deps(), {
      items: [{ group: "relay_attempt", key: `relay_attempt:${++seq}`, context: { spark_mail: null } }],
      source: "api:00000000-0000-4000-8000-000000000002",
      sparkMail: { allowed: false, refusal: SPARK_MAIL_NEEDS_SCOPE },
    });
    expect(nothing).toMatchObject({ status: "recorded" });
    await send();
    const keys = (await database.db.select({ key: events.key }).from(events)).map((e) => e.key);
    expect(keys).not.toContain(apiKey);
    expect(keys).not.toContain(brokerKey);
    expect(sink.byRecipient("victim@example.com")).toEqual([]);
    expect((await database.db.select().from(deliveries)).filter((d) => d.recipient === "victim@example.com")).toEqual(
      [],
    );
  });

  it("spark_mail is hostile input: header injection, bad recipients, unknown keys and oversized values make a dead delivery naming the problem, never a mail", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ to: "ada@example.com\r\nBcc: evil@example.com", subject: "S", body: "B" }, "spark_mail.to holds a line break"],
      [
        { to: ["ada@example.com", "x@example.com\nX-Evil: 1"], subject: "S", body: "B" },
        "spark_mail.to.1 holds a line break",
      ],
      [
        { to: "ada@example.com", subject: "Hi\r\nBcc: evil@example.com", body: "B" },
        "spark_mail.subject holds a line break",
      ],
      [
        { to: "ada@example.com", from_email: "a@example.com\nBcc: evil@example.com", subject: "S", body: "B" },
        "spark_mail.from_email holds a line break",
      ],
      [
        { to: "ada@example.com", reply_to: "r@example.com\r\n", subject: "S", body: "B" },
        "spark_mail.reply_to holds a line break",
      ],
      [
        { to: "ada@example.com", subject: "Hi\u2028Bcc: evil@example.com", body: "B" },
        "spark_mail.subject holds a line break",
      ],
      [{ to: "Ada\u0085 <ada@example.com>", subject: "S", body: "B" }, "spark_mail.to holds a line break"],
      // Spark's relay never sends as somebody else's domain, and one event cannot store megabytes.
      [
        { to: "ada@example.com", from_email: "CEO <ceo@bank.example>", subject: "S", body: "B" },
        "spark_mail.from_email must be an address at example.com, the domain Spark sends from (SPARK_MAIL_FROM).",
      ],
      [
        { to: Array.from({ length: 50 }, (_, i) => `r${i}@example.com`), subject: "S", body: "x".repeat(30 * 1024) },
        "spark_mail.body (30 KiB) for 50 recipients would store more than 1 MiB",
      ],
      [
        { to: "ada@example.com", from_email: "a@example.com, b@example.com", subject: "S", body: "B" },
        "spark_mail.from_email: give a single address.",
      ],
      [{ to: "not an address", subject: "S", body: "B" }, "spark_mail.to: 'not an address' is not an email address."],
      [
        { to: Array.from({ length: 51 }, (_, i) => `u${i}@example.com`), subject: "S", body: "B" },
        "spark_mail.to lists more than 50 addresses.",
      ],
      [
        { to: "ada@example.com", subject: "S".repeat(999), body: "B" },
        "spark_mail.subject is longer than 998 characters.",
      ],
      [
        { to: "ada@example.com", subject: "S", body: "x".repeat(256 * 1024 + 1) },
        "spark_mail.body is larger than 256 KiB.",
      ],
      [
        { to: "ada@example.com", subject: "S", body: "B", headers: { "X-Evil": "1" } },
        "spark_mail.headers is not sent by Spark",
      ],
      [{ to: "ada@example.com", subject: "S", body: { include: "/etc/passwd" } }, "spark_mail.body must be a string."],
      [{ to: "ada@example.com", subject: "", body: "B" }, "spark_mail.subject is empty; a mail needs a subject."],
      [{ to: "ada@example.com", subject: "S" }, "spark_mail.body is empty; a mail needs a body."],
    ];
    for (const [spark_mail, reason] of cases) {
      const event = await record("hostile", { spark_mail });
      const rows = await rowsOf(event.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: "dead", recipient: "" });
      expect(rows[0]!.lastError).toContain(reason);
    }
    const notAnObject = await record("hostile", { spark_mail: "ada@example.com" });
    expect((await rowsOf(notAnObject.id))[0]!.lastError).toContain("spark_mail must be an object");
    expect(await send()).toMatchObject({ claimed: 0 });
    expect(sink.messages).toEqual([]);
  });

  it("skips events that do not ask for mail: no recipient is a skipped delivery with its reason, never dead, failed, retried or counted as failing", async () => {
    const t = await template({ group: "quiet_signup" });
    const event = await record("quiet_signup", { name: "Ada", email: "" });
    const nobody = await record("newsletter", { spark_mail: { to: [], subject: "S", body: "B" } });
    expect(await expandOutbox(deps(), { limit: 100 })).toMatchObject({ claimed: 1, dead: 0, skipped: 1 });
    const [skipped] = await rowsOf(event.id);
    expect(skipped).toMatchObject({ status: "skipped", recipient: "", templateId: t.id, attempts: 0 });
    expect(skipped!.lastError).toBe(
      `Template “${t.name}”, To: no recipient; To, Cc and Bcc rendered empty, so no mail is sent.`,
    );
    const [fromSparkMail] = await rowsOf(nobody.id);
    expect(fromSparkMail).toMatchObject({
      status: "skipped",
      recipient: "",
      templateId: null,
      lastError:
        "The event's spark_mail (no template answers its group): spark_mail names no recipient in to, cc or bcc, so no mail is sent.",
    });

    // Never sent, never retried, alone or in bulk.
    expect(await deliverDue(deps(), { limit: 100 })).toMatchObject({ claimed: 0 });
    expect(await retryDelivery(deps(), { id: skipped!.id })).toMatchObject({
      status: "refused",
      message: expect.stringMatching(/^It was skipped, not failed: Template/),
    });
    expect(await requeueDeadDeliveries(database.db, { filters: {}, at: new Date() })).toBe(0);
    expect(await countDeadDeliveries(database.db, { filters: {} })).toEqual({ addressable: 0, renderFailures: 0 });
    expect((await rowsOf(event.id))[0]!.status).toBe("skipped");

    // Counted apart: the event's summary, the queue's health, the metric, and not "failed or dead mail".
    expect((await countDeliveriesByEvent(database.db, { eventIds: [event.id] })).get(event.id)).toEqual({ skipped: 1 });
    expect(await summarizeDeliveryQueue(database.db)).toMatchObject({ queued: 0, failed: 0, dead: 0 });
    const failing = await listEventLogPage(database.db, { filters: { failing: true }, cursor: null, limit: 50 });
    expect(failing.rows.map((r) => r.id)).not.toContain(event.id);
    expect(await metrics.deliveries.get()).toMatchObject({
      values: expect.arrayContaining([expect.objectContaining({ labels: { status: "skipped" }, value: 2 })]),
    });

    // "Send for past events" treats the event as handled by the template: its mail was decided once.
    const range = { id: t.id, from: new Date(Date.now() - 86_400_000), to: new Date() };
    expect(await countPastEventsForTemplate(deps(), range)).toMatchObject({ ok: true, count: 0 });
    expect(await sendForPastEvents(deps(), range)).toEqual({ ok: true, queued: 0 });
    expect(sink.messages).toEqual([]);
    expect(await database.db.select({ id: events.id }).from(events)).toEqual(
      expect.arrayContaining([{ id: event.id }]),
    );
  });
});
