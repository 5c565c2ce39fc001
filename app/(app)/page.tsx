import Link from "next/link";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { JobRunTable } from "@/components/jobs/job-run-table";
import { RunNow } from "@/components/jobs/run-now";
import { BarChart } from "@/components/ui/bar-chart";
import { Card } from "@/components/ui/card";
import { formatNumber } from "@/components/ui/format";
import { LiveRefresh } from "@/components/ui/live-refresh";
import { TimeAgo } from "@/components/ui/time-ago";
import { countDeliveriesByBucketSince, summarizeDeliveryQueue } from "@/db/queries/deliveries";
import { countEventsByBucketSince, countEventsByGroupSince } from "@/db/queries/events";
import { listGenerators } from "@/db/queries/generators";
import { listRecentJobRuns } from "@/db/queries/job-runs";
import { deliveryStatuses } from "@/db/schema";
import { fillBuckets } from "@/app/_views/stats";
import { runNowAction } from "./actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "Dashboard" };

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const ranges = {
  "24h": {
    label: "last 24 hours",
    bucket: "hour",
    n: 24,
    formatAt: (at: Date) => `${at.toISOString().slice(11, 13)}:00`,
  },
  "7d": { label: "last 7 days", bucket: "day", n: 7, formatAt: (at: Date) => at.toISOString().slice(5, 10) },
} as const;

const statusText = {
  queued: "text-zinc-700",
  sending: "text-spark-700",
  sent: "text-emerald-700",
  failed: "text-amber-700",
  dead: "text-red-700",
} as const;

export default async function DashboardPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireSession();
  const rangeKey = (await searchParams).range === "7d" ? "7d" : "24h";
  const range = ranges[rangeKey];
  const { database, deps, scheduler, mailer } = await getEngine();
  const now = deps.clock();
  const since = new Date(now.getTime() - range.n * (range.bucket === "hour" ? HOUR_MS : DAY_MS));
  const [runs, generators, groups, eventBuckets, deliveryBuckets, queue] = await Promise.all([
    listRecentJobRuns(deps.db, { limit: 10 }),
    listGenerators(deps.db),
    countEventsByGroupSince(deps.db, { since }),
    countEventsByBucketSince(deps.db, { since, bucket: range.bucket }),
    countDeliveriesByBucketSince(deps.db, { since, bucket: range.bucket }),
    summarizeDeliveryQueue(deps.db),
  ]);
  const eventSeries = fillBuckets(
    eventBuckets.map((b) => ({ at: b.at, count: b.events })),
    { now, bucket: range.bucket, n: range.n },
  );
  const sentSeries = fillBuckets(
    deliveryBuckets.filter((b) => b.status === "sent").map((b) => ({ at: b.at, count: b.deliveries })),
    { now, bucket: range.bucket, n: range.n },
  );
  const byStatus = Object.fromEntries(
    deliveryStatuses.map((s) => [
      s,
      deliveryBuckets.filter((b) => b.status === s).reduce((n, b) => n + b.deliveries, 0),
    ]),
  );
  const running = runs.find((r) => r.status === "running") ?? null;
  const lastDone = runs.find((r) => r.status !== "running" && r.status !== "skipped") ?? null;
  const nextAt = scheduler?.nextAt() ?? null;
  const active = generators.filter((g) => g.active).length;
  const eventTotal = groups.reduce((n, g) => n + g.events, 0);
  const rangeLinks = (
    <nav aria-label={`Range for ${range.label}`} className="flex gap-1 text-xs">
      {(Object.keys(ranges) as (keyof typeof ranges)[]).map((key) => (
        <Link
          key={key}
          href={key === "24h" ? "/" : `/?range=${key}`}
          aria-current={key === rangeKey ? "true" : undefined}
          className={`rounded px-2 py-1 ${key === rangeKey ? "bg-zinc-900 text-white" : "text-zinc-600 hover:bg-zinc-100"}`}
        >
          {key}
        </Link>
      ))}
    </nav>
  );
  return (
    <>
      <div className="mb-6 flex items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight text-zinc-900">Dashboard</h1>
          <p className="mt-1 text-sm text-zinc-600">What Spark has done lately and what is waiting.</p>
        </div>
        <LiveRefresh active={running !== null || queue.queued + queue.sending > 0} everyMs={3000} />
      </div>
      <div className="grid gap-4 lg:grid-cols-3">
        <Card title="Job" description={database.driver === "pglite" ? "Embedded database (PGlite)" : "PostgreSQL"}>
          <div className="space-y-3 text-sm">
            <dl className="space-y-1">
              <div className="flex justify-between gap-2">
                <dt className="text-zinc-500">Last pass</dt>
                <dd>
                  {lastDone ? (
                    <Link href={`/jobs/${lastDone.id}`} className="hover:underline">
                      <TimeAgo date={lastDone.startedAt} now={now} />
                    </Link>
                  ) : (
                    "never"
                  )}
                </dd>
              </div>
              <div className="flex justify-between gap-2">
                <dt className="text-zinc-500">Next scheduled</dt>
                <dd>
                  {scheduler ? (
                    nextAt ? (
                      <TimeAgo date={nextAt} now={now} />
                    ) : (
                      "running now"
                    )
                  ) : (
                    <span title="SPARK_SCHEDULE_SECONDS=0: cron calls POST /api/jobs/run">off (cron)</span>
                  )}
                </dd>
              </div>
              <div className="flex justify-between gap-2">
                <dt className="text-zinc-500">Generators</dt>
                <dd>
                  <Link href={generators.length === 0 ? "/generators/new" : "/generators"} className="hover:underline">
                    {generators.length === 0 ? "none yet: create one" : `${active} active of ${generators.length}`}
                  </Link>
                </dd>
              </div>
            </dl>
            <RunNow action={runNowAction} runningId={running?.id ?? null} />
          </div>
        </Card>
        <Card title="Mail queue" description={`Going to ${mailer.description}`}>
          <dl className="grid grid-cols-2 gap-3 text-sm">
            <div>
              <dt className="text-zinc-500">Waiting</dt>
              <dd className="text-2xl font-semibold" data-testid="queue-waiting">
                <Link href="/deliveries?status=queued" className="hover:underline">
                  {formatNumber(queue.queued + queue.sending)}
                </Link>
              </dd>
            </div>
            <div>
              <dt className="text-zinc-500">Oldest waiting</dt>
              <dd className="pt-2">{queue.oldestQueuedAt ? <TimeAgo date={queue.oldestQueuedAt} now={now} /> : "—"}</dd>
            </div>
            <div>
              <dt className="text-zinc-500">To retry</dt>
              <dd className={`text-2xl font-semibold ${queue.failed > 0 ? "text-amber-700" : ""}`}>
                <Link href="/deliveries?status=failed" className="hover:underline">
                  {formatNumber(queue.failed)}
                </Link>
              </dd>
            </div>
            <div>
              <dt className="text-zinc-500">Dead</dt>
              <dd className={`text-2xl font-semibold ${queue.dead > 0 ? "text-red-700" : ""}`}>
                <Link href="/deliveries?status=dead" className="hover:underline">
                  {formatNumber(queue.dead)}
                </Link>
              </dd>
            </div>
          </dl>
          {queue.dead > 0 ? (
            <p className="mt-3 text-xs text-zinc-600">Dead mail stays until you retry it from Deliveries.</p>
          ) : null}
        </Card>
        <Card title="Mail" description={range.label} actions={rangeLinks}>
          <p className="text-2xl font-semibold">
            {formatNumber(byStatus.sent ?? 0)}
            <span className="text-sm font-normal text-zinc-500"> sent</span>
          </p>
          <BarChart
            data={sentSeries}
            label={`Mail sent per ${range.bucket}, ${range.label}`}
            formatAt={range.formatAt}
          />
          <ul className="mt-3 flex flex-wrap gap-x-4 gap-y-1 text-sm">
            {deliveryStatuses.map((s) => (
              <li key={s} className={statusText[s]}>
                {formatNumber(byStatus[s] ?? 0)} {s}
              </li>
            ))}
          </ul>
        </Card>
      </div>
      <div className="mt-4 grid gap-4 lg:grid-cols-3">
        <Card title="Events" description={range.label} actions={rangeLinks}>
          <p className="text-2xl font-semibold">{formatNumber(eventTotal)}</p>
          <BarChart data={eventSeries} label={`Events per ${range.bucket}, ${range.label}`} formatAt={range.formatAt} />
          {groups.length === 0 ? (
            <p className="mt-2 text-sm text-zinc-500">
              {generators.length === 0 ? "Create a generator, then Run now." : "None yet: Run now to record the first."}
            </p>
          ) : (
            <ul className="mt-3 space-y-1 text-sm">
              {groups.slice(0, 8).map((g) => (
                <li key={g.group} className="flex justify-between gap-2">
                  <Link
                    href={`/events?group=${encodeURIComponent(g.group)}`}
                    className="truncate font-mono text-xs hover:underline"
                  >
                    {g.group}
                  </Link>
                  <span className="text-zinc-700">{formatNumber(g.events)}</span>
                </li>
              ))}
            </ul>
          )}
        </Card>
        <div className="lg:col-span-2">
          <Card
            title="Recent job runs"
            description="Each pass: generators, then new events and their mail, recorded together; then due mail is sent."
            actions={
              <Link href="/jobs" className="text-sm text-spark-700 hover:underline">
                All job runs
              </Link>
            }
          >
            <JobRunTable runs={runs} now={now} empty="No job has run yet. Press Run now, or wait for the scheduler." />
          </Card>
        </div>
      </div>
    </>
  );
}
