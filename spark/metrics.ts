import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { rowsOf } from "@/db/rows";
import { subscriptions } from "@/db/schema";
import { lagOf } from "./subscriptions/subscriptions";

export { originOf } from "./events/origin";

/**
 * The process's Prometheus metrics: counters the engine moves as it works (events recorded, mail sent,
 * attempts to destinations, inbound messages, pass durations), and gauges read from the database when
 * scraped (the mail queue, each subscription's lag and parked events). One registry per process, so
 * tests and the server never share counts.
 */
export type Metrics = {
  registry: Registry;
  eventsRecorded: Counter<"group" | "origin">;
  deliveries: Counter<"status">;
  jobDuration: Histogram<"status">;
  destinationAttempts: Counter<"kind" | "outcome">;
  inboundMessages: Counter<"outcome">;
  /** Reads the gauges that come from the database; set by the composition root, which holds the db. */
  bindDatabase(db: Db): void;
  /** The text a Prometheus scrape gets, with the database's gauges read afresh. */
  scrape(): Promise<string>;
};

export function createMetrics({ processMetrics = false }: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  // prom-client's own names already say what they measure (process_cpu_user_seconds_total,
  // nodejs_heap_size_total_bytes): the prefix only sets Spark's apart from other exporters on the host.
  if (processMetrics) collectDefaultMetrics({ register: registry, prefix: "spark_" });
  let db: Db | null = null;
  // Two gauges show each subscription's lag: one read per scrape serves both.
  let lagRead: Promise<LagRow[]> | null = null;
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] });
  const metrics: Metrics = {
    registry,
    eventsRecorded: counter("spark_events_recorded_total", "Events recorded, by group and origin.", [
      "group",
      "origin",
    ]),
    deliveries: counter(
      "spark_mail_deliveries_total",
      "Mail send attempts by outcome (sent, failed, dead), and mail skipped for naming no recipient (skipped).",
      ["status"],
    ),
    jobDuration: new Histogram({
      name: "spark_job_pass_duration_seconds",
      help: "How long job passes took, by their status.",
      labelNames: ["status"],
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers: [registry],
    }),
    destinationAttempts: counter(
      "spark_destination_attempts_total",
      "Attempts to hand events to destinations (webhooks, code subscribers, broker relays), by kind and outcome.",
      ["kind", "outcome"],
    ),
    inboundMessages: counter(
      "spark_inbound_messages_total",
      "Broker messages taken by inbounds, by outcome (recorded, duplicate, rejected, retried).",
      ["outcome"],
    ),
    bindDatabase(given) {
      db = given;
    },
    async scrape() {
      lagRead = null;
      return registry.metrics();
    },
  };
  const gauge = <L extends string>(
    name: string,
    help: string,
    labelNames: L[],
    read: (set: (labels: Record<L, string>, value: number) => void, db: Db) => Promise<void>,
  ) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        if (!db) return;
        this.reset();
        await read((labels, value) => this.set(labels, value), db);
      },
    });
  gauge(
    "spark_mail_waiting",
    "Mail waiting to be sent: queued in the outbox, or deliveries due or to retry.",
    [],
    async (set, db) => {
      const [row] = rowsOf<{ n: number }>(
        await db.execute(sql`
        select (select count(*) from mail_outbox)
          + (select count(*) from deliveries where status in ('queued', 'failed', 'sending'))::int as n`),
      );
      set({}, Number(row?.n ?? 0));
    },
  );
  gauge(
    "spark_mail_oldest_waiting_seconds",
    "Age of the oldest mail still waiting to be sent (0 when none waits).",
    [],
    async (set, db) => {
      const [row] = rowsOf<{ s: number | null }>(
        await db.execute(sql`
          select extract(epoch from now() - least(
            (select min(created_at) from mail_outbox),
            (select min(created_at) from deliveries where status in ('queued', 'failed', 'sending'))))::float8 as s`),
      );
      set({}, Math.max(0, Number(row?.s ?? 0)));
    },
  );
  gauge(
    "spark_subscription_lag_events",
    "Events a subscription has yet to hand on (counted up to 100,000).",
    ["destination", "kind"],
    async (set, db) => {
      for (const row of await (lagRead ??= subscriptionLag(db)))
        set({ destination: row.name, kind: row.kind }, row.events);
    },
  );
  gauge(
    "spark_subscription_lag_seconds",
    "Age of the oldest event a subscription has yet to hand on (0 when caught up).",
    ["destination", "kind"],
    async (set, db) => {
      for (const row of await (lagRead ??= subscriptionLag(db)))
        set({ destination: row.name, kind: row.kind }, row.seconds);
    },
  );
  gauge(
    "spark_subscription_parked_events",
    "Events parked after their destination's attempt limit, waiting to be replayed.",
    ["destination", "kind"],
    async (set, db) => {
      const rows = rowsOf<{ name: string; kind: string; n: number }>(
        await db.execute(sql`
          select s.name, s.kind, count(b.event_id)::int as n
          from subscriptions s left join subscription_backlog b on b.subscription_id = s.id and b.parked_at is not null
          group by s.id, s.name, s.kind`),
      );
      for (const row of rows) set({ destination: row.name, kind: row.kind }, Number(row.n));
    },
  );
  return metrics;
}

/** Each subscription's lag, read once per scrape. */
async function subscriptionLag(db: Db): Promise<LagRow[]> {
  const rows = await db.select().from(subscriptions);
  const clock = () => new Date();
  return Promise.all(
    rows.map(async (row) => {
      const lag = await lagOf({ db, clock }, row);
      return { name: row.name, kind: row.kind, events: lag.events, seconds: lag.seconds ?? 0 };
    }),
  );
}
type LagRow = { name: string; kind: string; events: number; seconds: number };
