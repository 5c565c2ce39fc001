import Link from "next/link";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { JobRunTable } from "@/components/jobs/job-run-table";
import { RunNow } from "@/components/jobs/run-now";
import { Card } from "@/components/ui/card";
import { TimeAgo } from "@/components/ui/time-ago";
import { countEventsByBucketSince, countEventsByGroupSince } from "@/db/queries/events";
import { listGenerators } from "@/db/queries/generators";
import { listRecentJobRuns } from "@/db/queries/job-runs";
import { BarChart } from "@/components/ui/bar-chart";
import { fillBuckets } from "@/spark/stats";
import { runNowAction } from "./actions";
import { formatNumber } from "@/components/ui/format";

export const dynamic = "force-dynamic";
export const metadata = { title: "Dashboard" };

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const ranges = {
  "24h": { label: "last 24 hours", bucket: "hour", n: 24, formatAt: (at: Date) => `${at.toISOString().slice(11, 13)}:00` },
  "7d": { label: "last 7 days", bucket: "day", n: 7, formatAt: (at: Date) => at.toISOString().slice(5, 10) },
} as const;

export default async function DashboardPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireSession();
  const rangeKey = (await searchParams).range === "7d" ? "7d" : "24h";
  const range = ranges[rangeKey];
  const { database, deps, scheduler } = await getEngine();
  const now = deps.clock();
  const since = new Date(now.getTime() - range.n * (range.bucket === "hour" ? HOUR_MS : DAY_MS));
  const [runs, generators, groups, buckets] = await Promise.all([
    listRecentJobRuns(deps.db, { limit: 10 }),
    listGenerators(deps.db),
    countEventsByGroupSince(deps.db, { since }),
    countEventsByBucketSince(deps.db, { since, bucket: range.bucket }),
  ]);
  const series = fillBuckets(
    buckets.map((b) => ({ at: b.at, count: b.events })),
    { now, bucket: range.bucket, n: range.n },
  );
  const running = runs.find((r) => r.status === "running") ?? null;
  const lastDone = runs.find((r) => r.status !== "running" && r.status !== "skipped") ?? null;
  const nextAt = scheduler?.nextAt() ?? null;
  const active = generators.filter((g) => g.active).length;
  const dayTotal = groups.reduce((n, g) => n + g.events, 0);
  return (
    <>
      <div className="mb-6">
        <h1 className="text-2xl font-semibold tracking-tight text-zinc-900">Dashboard</h1>
        <p className="mt-1 text-sm text-zinc-600">What Spark has done lately and what is waiting.</p>
      </div>
      <div className="grid gap-4 lg:grid-cols-3">
        <Card title="Job" description={database.driver === "pglite" ? "Embedded database (PGlite)" : "PostgreSQL"}>
          <div className="space-y-3 text-sm">
            <dl className="space-y-1">
              <div className="flex justify-between gap-2">
                <dt className="text-zinc-500">Last pass</dt>
                <dd>{lastDone ? <TimeAgo date={lastDone.startedAt} now={now} /> : "never"}</dd>
              </div>
              <div className="flex justify-between gap-2">
                <dt className="text-zinc-500">Next scheduled</dt>
                <dd>{scheduler ? nextAt ? <TimeAgo date={nextAt} now={now} /> : "running now" : <span title="SPARK_SCHEDULE_SECONDS=0: cron calls POST /api/jobs/run">off (cron)</span>}</dd>
              </div>
            </dl>
            <RunNow action={runNowAction} runningId={running?.id ?? null} />
          </div>
        </Card>
        <Card title="Generators">
          <p className="text-2xl font-semibold">
            {active}
            <span className="text-sm font-normal text-zinc-500"> active of {generators.length}</span>
          </p>
          <Link href={generators.length === 0 ? "/generators/new" : "/generators"} className="text-sm text-spark-700 hover:underline">
            {generators.length === 0 ? "Create the first generator" : "Manage generators"}
          </Link>
        </Card>
        <Card
          title="Events"
          description={range.label}
          actions={
            <nav aria-label="Range" className="flex gap-1 text-xs">
              {(Object.keys(ranges) as (keyof typeof ranges)[]).map((key) => (
                <Link key={key} href={key === "24h" ? "/" : `/?range=${key}`} aria-current={key === rangeKey ? "true" : undefined} className={`rounded px-2 py-1 ${key === rangeKey ? "bg-zinc-900 text-white" : "text-zinc-600 hover:bg-zinc-100"}`}>
                  {key}
                </Link>
              ))}
            </nav>
          }
        >
          <p className="text-2xl font-semibold">{formatNumber(dayTotal)}</p>
          <BarChart data={series} label={`Events per ${range.bucket}, ${range.label}`} formatAt={range.formatAt} />
          {groups.length === 0 ? (
            <p className="mt-2 text-sm text-zinc-500">{generators.length === 0 ? "Create a generator, then Run now." : "None yet: Run now to record the first."}</p>
          ) : (
            <ul className="mt-3 space-y-1 text-sm">
              {groups.slice(0, 6).map((g) => (
                <li key={g.group} className="flex justify-between gap-2">
                  <Link href={`/events?group=${encodeURIComponent(g.group)}`} className="truncate font-mono text-xs hover:underline">
                    {g.group}
                  </Link>
                  <span className="text-zinc-700">{formatNumber(g.events)}</span>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
      <div className="mt-6">
        <Card
          title="Recent job runs"
          description="Each pass: generators, then new events and their effects, recorded together."
          actions={
            <Link href="/jobs" className="text-sm text-spark-700 hover:underline">
              All job runs
            </Link>
          }
        >
          <JobRunTable runs={runs} now={now} empty="No job has run yet. Press Run now, or wait for the scheduler." />
        </Card>
      </div>
    </>
  );
}
