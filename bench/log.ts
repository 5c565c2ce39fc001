import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { rowsOf } from "@/db/rows";
import { openScratchDatabase } from "@/testing/scratch-database";
import { loadDeliveryLog } from "@/app/_views/delivery-log";
import { loadEventLog } from "@/app/_views/event-log";
import { printTable } from "./generate";
import type { BenchOptions, BenchResult } from "./run";

const GROUPS = 10;
const RUNS = 30;
const WARMUP = 5;

async function seed(database: Database, n: number) {
  const t0 = performance.now();
  await database.db.execute(sql`
    insert into events (event_group, key, context, generator_id, source, created_at)
    select 'group_' || (g % ${GROUPS}), 'group_' || (g % ${GROUPS}) || ':' || g,
           jsonb_build_object('id', g, 'title', 'Challenge ' || g, 'owner_email', 'user' || (g % 5000) || '@example.com'),
           ('00000000-0000-4000-8000-' || lpad((g % ${GROUPS})::text, 12, '0'))::uuid, 'code:challenges',
           timestamptz '2026-10-01' + (g * interval '2.5 seconds')
    from generate_series(1, ${n}::int) g`);
  await database.db.execute(sql`
    insert into mail_templates (name, group_pattern, subject, html, to_address)
    select 'template ' || t, 'group_' || t, 'Subject', '<p>x</p>', '{{ owner_email }}' from generate_series(0, ${GROUPS - 1}) t`);
  await database.db.execute(sql`
    insert into deliveries (event_id, template_id, template_version, event_group, recipient, status, subject, html, text, headers, attempts, created_at, sent_at, next_attempt_at, last_error)
    select e.id, t.id, 1, e.event_group, 'user' || (e.id % 5000) || '@example.com',
           case when e.id % 100 < 90 then 'sent' when e.id % 100 < 95 then 'failed' when e.id % 100 < 98 then 'dead' else 'queued' end,
           'Challenge ' || e.id, '<p>Hello</p>', 'Hello',
           jsonb_build_object('from', 'Spark <spark@example.com>', 'to', jsonb_build_array('user' || (e.id % 5000) || '@example.com'), 'cc', '[]'::jsonb, 'replyTo', '[]'::jsonb),
           1, e.created_at, case when e.id % 100 < 90 then e.created_at end, e.created_at,
           case when e.id % 100 >= 90 and e.id % 100 < 98 then '451 Try again later' end
    from events e join mail_templates t on t.group_pattern = e.event_group`);
  await database.db.execute(sql`analyze`);
  return (performance.now() - t0) / 1000;
}

type Scenario = { name: string; table: "events" | "deliveries"; params: Record<string, string>; pagesDeep?: number };

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** Index names, and any sequential scan of a big table, from a JSON plan. */
function indexUse(plan: unknown): { indexes: string[]; seqScans: string[] } {
  const indexes = new Set<string>();
  const seqScans = new Set<string>();
  const walk = (node: Record<string, unknown>) => {
    if (typeof node["Index Name"] === "string") indexes.add(node["Index Name"]);
    if (node["Node Type"] === "Seq Scan" && typeof node["Relation Name"] === "string")
      seqScans.add(node["Relation Name"]);
    for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
  };
  walk((plan as { Plan: Record<string, unknown> }[])[0]!.Plan);
  return { indexes: [...indexes], seqScans: [...seqScans] };
}

export async function logBenchmark(options: BenchOptions): Promise<BenchResult[]> {
  if (options.driver === "pglite" || !options.databaseUrl) {
    throw new Error(
      "the log benchmark measures PostgreSQL: set BENCH_DATABASE_URL (or TEST_DATABASE_URL) and use --driver postgres",
    );
  }
  const n = options.n ?? 1_000_000;
  let capture: { text: string; params: unknown[] }[] | null = null;
  const database = await openScratchDatabase({
    driver: "postgres",
    adminUrl: options.databaseUrl,
    onQuery: (text, params) => capture?.push({ text, params }),
  });
  try {
    process.stderr.write(`log: seeding ${n.toLocaleString("en")} events and ${n.toLocaleString("en")} deliveries…\n`);
    const seconds = await seed(database, n);
    process.stderr.write(`log: seeded in ${seconds.toFixed(0)} s\n`);
    const scenarios: Scenario[] = [
      { name: "events: first page", table: "events", params: {} },
      { name: "events: filtered by group", table: "events", params: { group: "group_3" } },
      { name: "events: after 50 next clicks", table: "events", params: {}, pagesDeep: 50 },
      { name: "events: group, after 50 next clicks", table: "events", params: { group: "group_3" }, pagesDeep: 50 },
      { name: "events: failed or dead mail", table: "events", params: { failing: "1" } },
      { name: "events: key contains (rare)", table: "events", params: { key: ":99999" } },
      {
        name: "events: group and a day",
        table: "events",
        params: { group: "group_7", from: "2026-10-02", to: "2026-10-03" },
      },
      { name: "deliveries: first page", table: "deliveries", params: {} },
      { name: "deliveries: filtered by status", table: "deliveries", params: { status: "dead" } },
      { name: "deliveries: after 50 next clicks", table: "deliveries", params: {}, pagesDeep: 50 },
      {
        name: "deliveries: dead, after 50 next clicks",
        table: "deliveries",
        params: { status: "dead" },
        pagesDeep: 50,
      },
      { name: "deliveries: recipient contains", table: "deliveries", params: { recipient: "user4242@" } },
    ];
    const load = (s: Scenario, params: Record<string, string>) =>
      s.table === "events" ? loadEventLog(database.db, params, { sources: [] }) : loadDeliveryLog(database.db, params);
    const results: BenchResult[] = [];
    for (const s of scenarios) {
      let params = { ...s.params };
      for (let i = 0; i < (s.pagesDeep ?? 0); i++) {
        const view = await load(s, params);
        if (view.older === null) throw new Error(`${s.name}: ran out of pages after ${i}`);
        params = { ...s.params, before: String(view.older) };
      }
      const times: number[] = [];
      for (let i = 0; i < WARMUP + RUNS; i++) {
        const t0 = performance.now();
        const view = await load(s, params);
        if (i >= WARMUP) times.push(performance.now() - t0);
        if (view.rows.length === 0) throw new Error(`${s.name}: the page is empty`);
      }
      capture = [];
      await load(s, params);
      const main = capture.find((q) => new RegExp(`from "${s.table}"`).test(q.text) && /order by/i.test(q.text));
      capture = null;
      let use = { indexes: [] as string[], seqScans: [] as string[] };
      if (main) {
        const explained = rowsOf<{ "QUERY PLAN": unknown }>(
          await database.db.execute(
            sql.raw(
              `explain (format json) ${main.text.replace(/\$(\d+)/g, (_, i: string) => literal(main.params[Number(i) - 1]))}`,
            ),
          ),
        );
        use = indexUse(explained[0]!["QUERY PLAN"]);
      }
      times.sort((a, b) => a - b);
      results.push({
        name: `log.${s.name}`,
        value: Number(percentile(times, 95).toFixed(1)),
        unit: "ms p95",
        baseline: 100,
        ratio: Number((percentile(times, 95) / 100).toFixed(3)),
        p50: Number(percentile(times, 50).toFixed(1)),
        p95: Number(percentile(times, 95).toFixed(1)),
        indexes: use.indexes,
        seqScans: use.seqScans,
        n,
      });
    }
    if (!options.json) {
      printTable(
        ["scenario (server time, 30 runs)", "p50", "p95", "index use"],
        results.map((r) => [
          r.name.slice(4),
          `${r.p50} ms`,
          `${r.p95} ms`,
          `${(r.indexes as string[]).join(", ") || "none"}${(r.seqScans as string[]).length ? `; seq scan: ${(r.seqScans as string[]).join(", ")}` : ""}`,
        ]),
      );
      process.stdout.write(
        `target: p95 under 100 ms for every scenario on PostgreSQL (${n.toLocaleString("en")} events, ${n.toLocaleString("en")} deliveries)\n`,
      );
    }
    return results;
  } finally {
    await database.close();
  }
}

/** A parameter written into the statement for EXPLAIN, which takes no bind parameters here. */
function literal(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  return `'${String(value).replace(/'/g, "''")}'`;
}
