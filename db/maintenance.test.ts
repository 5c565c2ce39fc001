import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { insertNewEvents } from "@/db/queries/events";
import { openTestDatabase, testDriver } from "@/testing/database";
import { rowsOf } from "./rows";
import { vacuumAnalyze } from "./maintenance";

describe(`vacuuming and analyzing on ${testDriver}`, () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  // The first step of reading events in commit order from a checkpoint, as a subscription does.
  const plan = async () =>
    rowsOf<Record<string, string>>(
      await database.db.execute(sql`
        explain select e.id, e.context from events e
        where (e.tx_id, e.id) > ('0'::xid8, 0::bigint) and e.tx_id < pg_snapshot_xmin(pg_current_snapshot())
        order by e.tx_id, e.id limit 2048`),
    )
      .map((row) => Object.values(row)[0])
      .join("\n");

  it("lets the planner walk the commit-order index instead of sorting every event after a checkpoint", async () => {
    for (let i = 0; i < 20_000; i += 1000)
      await insertNewEvents(database.db, {
        events: Array.from({ length: 1000 }, (_, j) => ({
          group: "stats",
          key: `stats:${i + j}`,
          context: { i: i + j },
          generatorId: null,
          source: null,
        })),
        jobRunId: null,
      });
    await vacuumAnalyze(database.db);
    const after = await plan();
    expect(after).not.toMatch(/Sort/);
    expect(after).toMatch(/Index (Only )?Scan using events_tx_id_id_idx/);
  });

  it("makes the space of deleted rows reusable, so deleting and adding as many again does not grow the table", async () => {
    const size = async () =>
      Number(
        rowsOf<{ bytes: string | number }>(
          await database.db.execute(sql`select pg_relation_size('vacuum_probe') as bytes`),
        )[0]!.bytes,
      );
    await database.db.execute(sql`create table vacuum_probe (id bigint primary key, body text not null)`);
    const fill = (from: number) =>
      database.db.execute(
        sql`insert into vacuum_probe select g, repeat('x', 200) from generate_series(${from}::bigint, ${from + 20_000 - 1}::bigint) g`,
      );
    await fill(1);
    const first = await size();
    await database.db.execute(sql`delete from vacuum_probe`);
    await vacuumAnalyze(database.db);
    await fill(100_001);
    expect(await size()).toBeLessThanOrEqual(first * 1.1);
  });
});
