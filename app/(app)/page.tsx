import Link from "next/link";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { JobRunTable } from "@/components/jobs/job-run-table";
import { RunNow } from "@/components/jobs/run-now";
import { Card } from "@/components/ui/card";
import { TimeAgo } from "@/components/ui/time-ago";
import { countEventsByGroupSince } from "@/db/queries/events";
import { listGenerators } from "@/db/queries/generators";
import { listRecentJobRuns } from "@/db/queries/job-runs";
import { runNowAction } from "./actions";
import { formatNumber } from "@/components/ui/format";

export const dynamic = "force-dynamic";
export const metadata = { title: "Dashboard" };

const DAY_MS = 86_400_000;

export default async function DashboardPage() {
  await requireSession();
  const { database, deps, scheduler } = await getEngine();
  const now = deps.clock();
  const [runs, generators, groups] = await Promise.all([
    listRecentJobRuns(deps.db, { limit: 10 }),
    listGenerators(deps.db),
    countEventsByGroupSince(deps.db, { since: new Date(now.getTime() - DAY_MS) }),
  ]);
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
        <Card title="Events, last 24 hours">
          <p className="text-2xl font-semibold">{formatNumber(dayTotal)}</p>
          {groups.length === 0 ? (
            <p className="text-sm text-zinc-500">{generators.length === 0 ? "Create a generator, then Run now." : "None yet: Run now to record the first."}</p>
          ) : (
            <ul className="mt-2 space-y-1 text-sm">
              {groups.slice(0, 6).map((g) => (
                <li key={g.group} className="flex justify-between gap-2">
                  <span className="truncate font-mono text-xs">{g.group}</span>
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
