import { like, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import type { KeysetCursor } from "@/db/keyset";
import {
  countDeadDeliveries,
  countDeliveriesByEvent,
  listDeliveriesByEvent,
  listDeliveryLogPage,
  requeueDeadDeliveries,
  summarizeDeliveryQueue,
  type DeliveryLogFilters,
} from "@/db/queries/deliveries";
import { insertNewEvents, listEventLogPage } from "@/db/queries/events";
import { deliveries, mailTemplates, type DeliveryStatus, type NewDelivery } from "@/db/schema";
import { openTestDatabase, testDriver } from "@/testing/database";
import { deliveryFilterQuery, parseDeliveryFilters } from "./delivery-log";

describe("delivery log filters from the URL", () => {
  it("keeps sensible filters and names each one it ignores", () => {
    const { filters, ignored } = parseDeliveryFilters({
      status: "bounced",
      recipient: "ada",
      template: "42",
      group: "signup",
      from: "2026-13-01",
      event: "7",
    });
    expect(filters).toEqual({ recipient: "ada", group: "signup", eventId: 7 });
    expect(ignored.map((i) => i.name)).toEqual(["status", "template", "from"]);
    expect(ignored[0]!.message).toBe("'bounced' is not one of queued, sending, sent, failed, dead, skipped.");
  });

  it("writes filters back into the URL it reads", () => {
    const filters: DeliveryLogFilters = {
      status: "dead",
      recipient: "a b",
      group: "g",
      to: new Date("2026-11-02T10:00:00Z"),
    };
    const query = deliveryFilterQuery(filters);
    expect(parseDeliveryFilters(Object.fromEntries(new URLSearchParams(query))).filters).toEqual(filters);
  });
});

describe(`delivery log pages on ${testDriver}`, () => {
  let database: Database;
  let templateA: string;
  let templateB: string;
  const statuses: DeliveryStatus[] = ["queued", "sent", "failed", "dead", "sent"];
  beforeAll(async () => {
    database = await openTestDatabase();
    const [a, b] = await database.db
      .insert(mailTemplates)
      .values([
        { name: "A", groupPattern: "g1" },
        { name: "B", groupPattern: "g2" },
      ])
      .returning();
    templateA = a!.id;
    templateB = b!.id;
    const events = await insertNewEvents(database.db, {
      events: Array.from({ length: 5 }, (_, i) => ({
        group: i < 3 ? "g1" : "g2",
        key: `k:${i}`,
        context: {},
        generatorId: null,
        source: null,
      })),
      jobRunId: null,
    });
    const rows: NewDelivery[] = Array.from({ length: 25 }, (_, i) => ({
      eventId: events[i % 5]!.id,
      templateId: i % 5 < 3 ? templateA : templateB,
      group: i % 5 < 3 ? "g1" : "g2",
      recipient: i === 24 ? "" : i === 7 ? "odd_1%@example.com" : `user${i}@example.com`,
      status: statuses[i % 5]!,
      headers: { from: "s@example.com", to: [], cc: [], replyTo: [] },
      subject: `S${i}`,
    }));
    await database.db.insert(deliveries).values(rows);
  });
  afterAll(async () => {
    await database?.close();
  });

  const page = (filters: DeliveryLogFilters, cursor: KeysetCursor = null, limit = 10) =>
    listDeliveryLogPage(database.db, { filters, cursor, limit });
  const subjects = (rows: { subject: string }[]) => rows.map((r) => Number(r.subject.slice(1)));

  it("walks all deliveries newest first with no row skipped or repeated while new ones arrive", async () => {
    const seen: number[] = [];
    let cursor: KeysetCursor = null;
    for (let pages = 1; ; pages++) {
      const result = await page({}, cursor, 10);
      seen.push(...subjects(result.rows));
      await database.db.insert(deliveries).values({
        recipient: `late${pages}@example.com`,
        status: "queued",
        headers: { from: "", to: [], cc: [], replyTo: [] },
        subject: `S${100 + pages}`,
      });
      if (result.older === null) break;
      cursor = { before: result.older };
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => 24 - i));
    await database.db.delete(deliveries).where(like(deliveries.recipient, "late%"));
  });

  it("filters by status, recipient text (literal % and _), template, group and time", async () => {
    expect(subjects((await page({ status: "dead" }, null, 50)).rows)).toEqual([23, 18, 13, 8, 3]);
    expect(subjects((await page({ recipient: "_1%" }, null, 50)).rows)).toEqual([7]);
    expect(subjects((await page({ recipient: "USER2" }, null, 50)).rows)).toEqual([23, 22, 21, 20, 2]);
    expect(subjects((await page({ templateId: templateB, status: "sent" }, null, 50)).rows)).toEqual([
      24, 19, 14, 9, 4,
    ]);
    expect((await page({ group: "g2" }, null, 50)).rows.every((r) => r.group === "g2")).toBe(true);
    expect((await page({ from: new Date(Date.now() + 60_000) }, null, 50)).rows).toEqual([]);
  });

  it("summarises each event's deliveries, and finds the events with failed or dead mail", async () => {
    const { rows } = await listEventLogPage(database.db, { filters: { failing: true }, cursor: null, limit: 50 });
    expect(rows.map((r) => r.key).sort()).toEqual(["k:2", "k:3"]);
    const summary = await countDeliveriesByEvent(database.db, { eventIds: rows.map((r) => r.id) });
    expect(summary.get(rows.find((r) => r.key === "k:3")!.id)).toEqual({ dead: 5 });
  });

  it("leaves test sends out of an event's mail and counts mail waiting in the outbox as queued", async () => {
    const [event] = await insertNewEvents(database.db, {
      events: [{ group: "apart", key: "apart:1", context: {}, generatorId: null, source: null }],
      jobRunId: null,
    });
    const at = new Date();
    await database.db.insert(deliveries).values({
      eventId: event!.id,
      recipient: "operator@example.com",
      status: "sent",
      isTest: true,
      headers: { from: "", to: [], cc: [], replyTo: [] },
      createdAt: at,
      updatedAt: at,
    });
    await database.db.execute(
      sql`insert into mail_outbox (event_id, template_id, template_version, partials_revision) values (${event!.id}, ${templateA}, 1, 0)`,
    );
    const summary = await countDeliveriesByEvent(database.db, { eventIds: [event!.id] });
    expect(summary.get(event!.id)).toEqual({ queued: 1 });
    expect(await listDeliveriesByEvent(database.db, { eventId: event!.id })).toEqual([]);
    await database.db.execute(sql`delete from mail_outbox`);
  });

  it("counts the dead ones a bulk retry would queue, queues exactly those, and reports queue health", async () => {
    expect(await countDeadDeliveries(database.db, { filters: {} })).toEqual({ addressable: 5, renderFailures: 0 });
    expect(await countDeadDeliveries(database.db, { filters: { templateId: templateB } })).toEqual({
      addressable: 5,
      renderFailures: 0,
    });
    expect(await summarizeDeliveryQueue(database.db)).toMatchObject({ queued: 5, failed: 5, dead: 5 });
    const at = new Date();
    expect(await requeueDeadDeliveries(database.db, { filters: { recipient: "user1" }, at, batchSize: 1 })).toBe(2);
    const health = await summarizeDeliveryQueue(database.db);
    expect(health).toMatchObject({ queued: 7, failed: 5, dead: 3 });
    expect(health.oldestQueuedAt).toBeInstanceOf(Date);
  });
});
