import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { actionReceipts, inboundRejections, inbounds, subscriptionAttempts, subscriptions } from "@/db/schema";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import { sweepRetention } from "../mail/deliver-pass";

describe(`retention of destination attempts, refused inbound messages and one-time tokens on ${testDriver}`, () => {
  let database: Database;
  const now = new Date("2030-06-01T00:00:00Z");
  const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000);
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it("deletes attempt logs and refused messages older than the retention age, and nothing newer", async () => {
    const [subscription] = await database.db
      .insert(subscriptions)
      .values({ name: "kept", kind: "code", groupPattern: "*", target: "x" })
      .returning();
    const [inbound] = await database.db
      .insert(inbounds)
      .values({ name: "queue", kind: "rabbitmq", target: "amqp://guest@127.0.0.1/" })
      .returning();
    await database.db.insert(subscriptionAttempts).values(
      [40, 31, 29, 1].map((days, i) => ({
        subscriptionId: subscription!.id,
        eventId: i + 1,
        attempt: 1,
        startedAt: daysAgo(days),
        durationMs: 5,
        outcome: "delivered" as const,
      })),
    );
    await database.db
      .insert(inboundRejections)
      .values([45, 2].map((days) => ({ inboundId: inbound!.id, at: daysAgo(days), reason: "not an event" })));
    // One-time tokens of test sends go the same way.
    await database.db.insert(actionReceipts).values([
      { token: "11111111-1111-4111-8111-111111111111", action: "test-send", createdAt: daysAgo(31) },
      { token: "22222222-2222-4222-8222-222222222222", action: "test-send", createdAt: daysAgo(1) },
    ]);
    const swept = await sweepRetention(testDeps(database, { clock: () => now, settings: { retentionDays: 30 } }), {
      batchSize: 1,
    });
    expect(swept).toMatchObject({ destinationAttempts: 2, inboundRejections: 1, actionReceipts: 1 });
    expect((await database.db.select().from(actionReceipts)).map((r) => r.token)).toEqual([
      "22222222-2222-4222-8222-222222222222",
    ]);
    expect((await database.db.select().from(subscriptionAttempts)).map((a) => a.eventId).sort()).toEqual([3, 4]);
    expect(await database.db.select().from(inboundRejections)).toHaveLength(1);
  });
});
