import { z } from "zod";
import type { Db } from "@/db/client";
import { countDeliveriesByBucketSince, summarizeDeliveryQueue } from "@/db/queries/deliveries";
import { countEventsByBucketSince, countEventsByGroupSince } from "@/db/queries/events";
import { listGenerators } from "@/db/queries/generators";
import { listRecentJobRuns } from "@/db/queries/job-runs";
import { listDisabledSubscriptions } from "@/db/queries/subscriptions";
import { deliveryStatuses, type DeliveryStatus, type JobRun } from "@/db/schema";
import { withFigures, type JobRunRow } from "./jobs";
import { first, type Params } from "./list-params";
import { fillBuckets, type Bucket, type BucketCount } from "./stats";

/** The dashboard's time ranges: how many buckets of which size its charts and totals cover. */
export const DASHBOARD_RANGES = {
  "24h": { bucket: "hour", n: 24 },
  "7d": { bucket: "day", n: 7 },
} as const satisfies Record<string, { bucket: Bucket; n: number }>;
export type DashboardRange = keyof typeof DASHBOARD_RANGES;

const BUCKET_MS: Record<Bucket, number> = { hour: 3_600_000, day: 86_400_000 };
const RECENT_RUNS = 10;

// Anything but a known range shows the default one: the dashboard is the landing page, it never refuses.
const rangeParam = z.enum(Object.keys(DASHBOARD_RANGES) as [DashboardRange, ...DashboardRange[]]).catch("24h");

export function parseDashboardRange(params: Params): DashboardRange {
  return rangeParam.parse(first(params.range));
}

export type DashboardView = {
  range: { key: DashboardRange; bucket: Bucket; n: number };
  now: Date;
  /** The newest job runs, newest first. */
  runs: JobRunRow[];
  running: JobRun | null;
  /** The newest run that did work (not one still running, not one skipped because another held the lease). */
  lastDone: JobRun | null;
  generators: { total: number; active: number };
  events: { total: number; groups: { group: string; events: number }[]; series: BucketCount[] };
  mail: { sentSeries: BucketCount[]; byStatus: Record<DeliveryStatus, number>; statuses: readonly DeliveryStatus[] };
  queue: {
    queued: number;
    sending: number;
    waiting: number;
    failed: number;
    dead: number;
    oldestQueuedAt: Date | null;
  };
  /** Something is moving (a run, or mail waiting to go), so the page refreshes itself. */
  busy: boolean;
  /** Destinations Spark disabled (410 Gone, days of failure): nothing reaches them until resumed. */
  disabledDestinations: { id: string; name: string; reason: string | null }[];
};

/** Everything the dashboard shows, over the range in its URL, as of `now`. */
export async function loadDashboard(db: Db, { params, now }: { params: Params; now: Date }): Promise<DashboardView> {
  const key = parseDashboardRange(params);
  const { bucket, n } = DASHBOARD_RANGES[key];
  const since = new Date(now.getTime() - n * BUCKET_MS[bucket]);
  const [runs, generators, groups, eventBuckets, deliveryBuckets, queue, disabled] = await Promise.all([
    listRecentJobRuns(db, { limit: RECENT_RUNS }),
    listGenerators(db),
    countEventsByGroupSince(db, { since }),
    countEventsByBucketSince(db, { since, bucket }),
    countDeliveriesByBucketSince(db, { since, bucket }),
    summarizeDeliveryQueue(db),
    listDisabledSubscriptions(db),
  ]);
  const byStatus = Object.fromEntries(deliveryStatuses.map((s) => [s, 0])) as Record<DeliveryStatus, number>;
  for (const b of deliveryBuckets) byStatus[b.status] += b.deliveries;
  const running = runs.find((r) => r.status === "running") ?? null;
  const waiting = queue.queued + queue.sending;
  return {
    range: { key, bucket, n },
    now,
    runs: runs.map(withFigures),
    running,
    lastDone: runs.find((r) => r.status !== "running" && r.status !== "skipped") ?? null,
    generators: { total: generators.length, active: generators.filter((g) => g.active).length },
    events: {
      total: groups.reduce((sum, g) => sum + g.events, 0),
      groups,
      series: fillBuckets(
        eventBuckets.map((b) => ({ at: b.at, count: b.events })),
        { now, bucket, n },
      ),
    },
    mail: {
      sentSeries: fillBuckets(
        deliveryBuckets.filter((b) => b.status === "sent").map((b) => ({ at: b.at, count: b.deliveries })),
        { now, bucket, n },
      ),
      byStatus,
      statuses: deliveryStatuses,
    },
    queue: { ...queue, waiting },
    busy: running !== null || waiting > 0,
    disabledDestinations: disabled.map(({ id, name, reason }) => ({ id, name, reason })),
  };
}
