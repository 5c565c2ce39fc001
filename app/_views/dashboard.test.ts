import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { deliveries, events, generators, jobRuns, type DeliveryStatus } from "@/db/schema";
import { openTestDatabase, testDriver } from "@/testing/database";
import { subscriptions } from "@/db/schema";
import { loadDashboard, parseDashboardRange } from "./dashboard";

const NOW = new Date("2026-11-02T14:30:00Z");
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);

describe("dashboard range from the URL", () => {
  it("reads 7d, and falls back to 24h for anything else instead of refusing", () => {
    expect(parseDashboardRange({ range: "7d" })).toBe("7d");
    expect(parseDashboardRange({ range: ["7d", "24h"] })).toBe("7d");
    expect(parseDashboardRange({})).toBe("24h");
    expect(parseDashboardRange({ range: "1y" })).toBe("24h");
    expect(parseDashboardRange({ range: "" })).toBe("24h");
  });
});

describe(`dashboard figures on ${testDriver}`, () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
    const db = database.db;
    await db.insert(generators).values([
      { name: "on 1", group: "g", source: "code:x" },
      { name: "on 2", group: "g", source: "code:x" },
      { name: "off", group: "g", source: "code:x", active: false },
    ]);
    // Two events this hour, one 3 hours ago, one 3 days ago (only in 7d), one 10 days ago (in neither).
    const at = [hoursAgo(0.2), hoursAgo(0.1), hoursAgo(3), hoursAgo(72), hoursAgo(240)];
    const rows = await db
      .insert(events)
      .values(at.map((createdAt, i) => ({ group: i === 2 ? "late" : "early", key: `k:${i}`, context: {}, createdAt })))
      .returning();
    const mail = (status: DeliveryStatus, createdAt: Date) => ({
      eventId: rows[0]!.id,
      recipient: "a@example.com",
      status,
      headers: { from: "s@example.com", to: [], cc: [], replyTo: [] },
      createdAt,
    });
    await db
      .insert(deliveries)
      .values([
        mail("sent", hoursAgo(0.1)),
        mail("sent", hoursAgo(2)),
        mail("sent", hoursAgo(72)),
        mail("queued", hoursAgo(1)),
        mail("failed", hoursAgo(5)),
        mail("dead", hoursAgo(30)),
      ]);
    await db.insert(jobRuns).values([
      { trigger: "schedule", status: "ok", startedAt: hoursAgo(2) },
      { trigger: "manual", status: "skipped", startedAt: hoursAgo(1) },
      { trigger: "schedule", status: "running", startedAt: hoursAgo(0.01) },
    ]);
  });
  afterAll(() => database?.close());

  it("counts the last 24 hours hour by hour", async () => {
    const view = await loadDashboard(database.db, { params: {}, now: NOW });
    expect(view.range).toEqual({ key: "24h", bucket: "hour", n: 24 });
    expect(view.generators).toEqual({ total: 3, active: 2 });
    expect(view.events.total).toBe(3);
    expect(view.events.groups).toEqual([
      { group: "early", events: 2 },
      { group: "late", events: 1 },
    ]);
    expect(view.events.series).toHaveLength(24);
    expect(view.events.series.at(-1)).toEqual({ at: new Date("2026-11-02T14:00:00Z"), count: 2 });
    expect(view.events.series.at(-4)).toEqual({ at: new Date("2026-11-02T11:00:00Z"), count: 1 });
    expect(view.mail.byStatus).toEqual({ queued: 1, sending: 0, sent: 2, failed: 1, dead: 0, skipped: 0 });
    expect(view.mail.sentSeries.reduce((n, b) => n + b.count, 0)).toBe(2);
  });

  it("counts the last 7 days day by day", async () => {
    const view = await loadDashboard(database.db, { params: { range: "7d" }, now: NOW });
    expect(view.range).toEqual({ key: "7d", bucket: "day", n: 7 });
    expect(view.events.total).toBe(4);
    expect(view.events.series.map((b) => b.count)).toEqual([0, 0, 0, 1, 0, 0, 3]);
    expect(view.mail.byStatus).toEqual({ queued: 1, sending: 0, sent: 3, failed: 1, dead: 1, skipped: 0 });
  });

  it("names the running pass and the last one that did work, and the whole queue whatever the range", async () => {
    const view = await loadDashboard(database.db, { params: { range: "nonsense" }, now: NOW });
    expect(view.running?.status).toBe("running");
    expect(view.lastDone?.status).toBe("ok");
    expect(view.runs.map((r) => r.status)).toEqual(["running", "skipped", "ok"]);
    expect(view.queue).toMatchObject({ queued: 1, sending: 0, waiting: 1, failed: 1, dead: 1 });
    expect(view.busy).toBe(true);
  });

  it("names each subscription Spark disabled, with why, and none that are merely paused", async () => {
    await database.db.insert(subscriptions).values([
      {
        name: "gone hook",
        kind: "webhook",
        groupPattern: "*",
        target: "https://example.com/a",
        status: "disabled",
        disabledReason: "The endpoint answered 410 Gone.",
      },
      { name: "paused hook", kind: "webhook", groupPattern: "*", target: "https://example.com/b", status: "paused" },
    ]);
    const view = await loadDashboard(database.db, { params: {}, now: NOW });
    expect(view.disabledDestinations).toEqual([
      { id: expect.any(String), name: "gone hook", reason: "The endpoint answered 410 Gone." },
    ]);
  });
});
