import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { deliveries } from "@/db/schema";
import { openTestDatabase, testDriver } from "@/testing/database";
import { requeueDeadDeliveries } from "./deliveries";

// Two connections at once: PGlite has one, so this race exists (and is tested) on PostgreSQL only.
describe.skipIf(testDriver === "pglite")(`retry all dead, racing a single retry, on ${testDriver}`, () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database?.close());

  it("leaves alone a row that another request retried and a sender claimed while the bulk retry waited for it", async () => {
    const headers = { from: "spark@example.com", to: ["ada@example.com"], cc: [], bcc: [], replyTo: [] };
    const [dead] = await database.db
      .insert(deliveries)
      .values({ recipient: "ada@example.com", status: "dead", group: "race", headers, attempts: 1 })
      .returning();
    let claimed!: () => void;
    const holding = new Promise<void>((resolve) => (claimed = resolve));
    let finish!: () => void;
    const release = new Promise<void>((resolve) => (finish = resolve));
    // "Retry now" and a sender's claim, in a transaction not yet committed when the bulk retry reads.
    const retry = database.db.transaction(async (tx) => {
      await tx.update(deliveries).set({ status: "sending", attempts: 2 }).where(eq(deliveries.id, dead!.id));
      claimed();
      await release;
    });
    await holding;
    const bulk = requeueDeadDeliveries(database.db, { filters: { group: "race" }, at: new Date() });
    // The bulk retry has read the row as dead and now waits on its lock.
    await new Promise((r) => setTimeout(r, 300));
    finish();
    await retry;
    expect(await bulk).toBe(0);
    const [after] = await database.db.select().from(deliveries).where(eq(deliveries.id, dead!.id));
    // Still the sender's: put back in the queue, it would have been sent a second time.
    expect(after).toMatchObject({ status: "sending", attempts: 2 });
  });
});
