import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { rowsOf } from "@/db/rows";
import { openScratchDatabase } from "@/testing/scratch-database";
import { printTable } from "./generate";
import type { BenchOptions, BenchResult } from "./run";

/** What each index on the write path's tables is for: the query it serves, as the code runs it. */
const SERVES: Record<string, string> = {
  events_pkey: "every lookup by id (event page, deliveries → event)",
  events_key_unique: "recording: ON CONFLICT (key) DO NOTHING — each key once",
  events_created_at_id_idx: "event log newest first, and time ranges",
  events_group_created_at_id_idx: "event log filtered by group, newest first",
  events_generator_created_at_id_idx: "event log filtered by generator, newest first",
  events_source_created_at_id_idx: "event log filtered by source, newest first",
  events_key_trgm_idx: "event log: key contains …",
  mail_outbox_pkey: "the sender claims queued mail in id order",
  deliveries_pkey: "every lookup by id; the Message-ID",
  deliveries_event_template_recipient_key: "one first delivery per (event, template, recipient)",
  deliveries_due_idx: "the sender claims due queued/failed rows",
  deliveries_lease_idx: "the sender takes rows whose lease ran out",
  deliveries_status_id_idx: "delivery log filtered by status; queue health",
  deliveries_template_id_idx: "delivery log filtered by template",
  deliveries_group_id_idx: "delivery log filtered by group",
  deliveries_created_at_idx: "delivery log time ranges; retention",
  deliveries_event_idx: "an event's deliveries (event page, log summaries)",
  deliveries_recipient_trgm_idx: "delivery log: recipient contains …",
  deliveries_failing_event_idx: "event log: events with failed or dead mail",
};

const FILL: Record<string, (n: number) => ReturnType<typeof sql>> = {
  events: (n) => sql`
    insert into events (event_group, key, context, created_at)
    select 'g' || (g % 20), 'bench:' || g, jsonb_build_object('id', g, 'title', 'Item ' || g), now() - (g || ' seconds')::interval
    from generate_series(1, ${n}::int) g`,
  mail_outbox: (n) => sql`
    insert into mail_outbox (event_id, template_id, template_version, partials_revision)
    select g, gen_random_uuid(), 1, 0 from generate_series(1, ${n}::int) g`,
  deliveries: (n) => sql`
    insert into deliveries (event_id, template_id, template_version, event_group, recipient, status, subject, text, headers)
    select g, null, 1, 'g' || (g % 20), 'user' || g || '@example.com', 'queued', 'Item ' || g, 'Body ' || g,
      jsonb_build_object('from', '', 'to', jsonb_build_array('user' || g || '@example.com'), 'cc', '[]'::jsonb, 'replyTo', '[]'::jsonb)
    from generate_series(1, ${n}::int) g`,
};

async function indexesOf(database: Database, table: string) {
  return rowsOf<{ name: string; definition: string; constraint: boolean }>(
    await database.db.execute(sql`
      select i.indexname as name, i.indexdef as definition,
        exists (select 1 from pg_constraint c where c.conname = i.indexname) as constraint
      from pg_indexes i where i.tablename = ${table} and i.schemaname = 'public' order by i.indexname`),
  );
}

async function timeFill(database: Database, table: string, n: number): Promise<number> {
  await database.db.execute(sql.raw(`truncate ${table} cascade`));
  const t0 = performance.now();
  await database.db.execute(FILL[table]!(n));
  return performance.now() - t0;
}

/** Best of three, so one slow round does not decide. */
async function bestFill(database: Database, table: string, n: number): Promise<number> {
  let best = Infinity;
  for (let round = 0; round < 3; round++) best = Math.min(best, await timeFill(database, table, n));
  return best;
}

/**
 * What each index of the write path's tables costs: inserting n rows with every index, then with each
 * index dropped in turn (and put back), beside the same insert into the bare table as the raw floor.
 */
export async function indexesBenchmark({ n, databaseUrl, json }: BenchOptions): Promise<BenchResult[]> {
  if (!databaseUrl) throw new Error("the index benchmark measures PostgreSQL: set BENCH_DATABASE_URL");
  const rows = n ?? 50_000;
  const database = await openScratchDatabase({ driver: "postgres", adminUrl: databaseUrl });
  const results: BenchResult[] = [];
  try {
    for (const table of Object.keys(FILL)) {
      const indexes = await indexesOf(database, table);
      const all = await bestFill(database, table, rows);
      for (const index of indexes) {
        if (index.constraint) continue;
        await database.db.execute(sql.raw(`drop index ${index.name}`));
        const without = await bestFill(database, table, rows);
        await database.db.execute(sql.raw(`truncate ${table} cascade`));
        await database.db.execute(sql.raw(index.definition));
        results.push({
          name: `indexes.${table}.${index.name}`,
          value: Math.round(((all - without) * 1000) / rows),
          unit: "µs/row",
          baseline: Math.round((all * 1000) / rows),
          ratio: Number(((all - without) / all).toFixed(3)),
          serves: SERVES[index.name] ?? "(not described)",
          n: rows,
        });
      }
    }
  } finally {
    await database.close();
  }
  if (!json)
    printTable(
      ["index", "write cost", "share of the insert", "serves"],
      results.map((r) => [
        r.name.replace(/^indexes\./, ""),
        `${r.value} µs/row`,
        `${Math.round(r.ratio * 100)}% of ${r.baseline} µs`,
        String(r.serves),
      ]),
    );
  return results;
}
