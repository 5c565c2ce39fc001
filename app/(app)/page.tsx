import Link from "next/link";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { JobRunTable } from "@/components/jobs/job-run-table";
import { RunNow } from "@/components/jobs/run-now";
import { BarChart } from "@/components/ui/bar-chart";
import { Card } from "@/components/ui/card";
import { Notice } from "@/components/ui/notice";
import { formatNumber } from "@/components/ui/format";
import { LiveRefresh } from "@/components/ui/live-refresh";
import { TimeAgo } from "@/components/ui/time-ago";
import { DASHBOARD_RANGES, loadDashboard, type DashboardRange } from "@/app/_views/dashboard";
import { runNowAction } from "./actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "Dashboard" };

const rangeText: Record<DashboardRange, { label: string }> = {
  "24h": { label: "last 24 hours" },
  "7d": { label: "last 7 days" },
};

const statusText = {
  queued: "text-zinc-700",
  sending: "text-spark-700",
  sent: "text-emerald-700",
  failed: "text-amber-700",
  dead: "text-red-700",
  skipped: "text-zinc-500",
} as const;

export default async function DashboardPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireSession();
  const { deps, database, scheduler } = await getEngine();
  const view = await loadDashboard(deps.db, { params: await searchParams, now: deps.clock() });
  const { now, runs, running, lastDone, generators, events, mail, queue } = view;
  const rangeKey = view.range.key;
  const range = { ...view.range, ...rangeText[rangeKey] };
  const nextAt = scheduler?.nextAt() ?? null;
  const rangeLinks = (
    <nav aria-label={`Range for ${range.label}`} className="flex gap-1 text-xs">
      {(Object.keys(DASHBOARD_RANGES) as DashboardRange[]).map((key) => (
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
        <LiveRefresh active={view.busy} everyMs={3000} />
      </div>
      {view.disabledDestinations.length > 0 ? (
        <div className="mb-6">
          <Notice tone="warning">
            <p className="font-medium">
              {view.disabledDestinations.length === 1
                ? "A subscription was disabled and receives nothing until it is resumed:"
                : `${view.disabledDestinations.length} subscriptions were disabled and receive nothing until they are resumed:`}
            </p>
            <ul className="mt-1 list-disc space-y-0.5 pl-5">
              {view.disabledDestinations.map((d) => (
                <li key={d.id} className="break-words">
                  <Link href={`/subscriptions/${d.id}`} className="font-medium underline">
                    {d.name}
                  </Link>
                  {d.reason ? ` — ${d.reason}` : null}
                </li>
              ))}
            </ul>
          </Notice>
        </div>
      ) : null}
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
                  <Link href={generators.total === 0 ? "/generators/new" : "/generators"} className="hover:underline">
                    {generators.total === 0
                      ? "none yet: create one"
                      : `${generators.active} active of ${generators.total}`}
                  </Link>
                </dd>
              </div>
            </dl>
            <RunNow action={runNowAction} runningId={running?.id ?? null} />
          </div>
        </Card>
        <Card title="Mail queue" description={`Going to ${deps.mailer.description}`}>
          <dl className="grid grid-cols-2 gap-3 text-sm">
            <div>
              <dt className="text-zinc-500">Waiting</dt>
              <dd className="text-2xl font-semibold" data-testid="queue-waiting">
                <Link href="/deliveries?status=queued" className="hover:underline">
                  {formatNumber(queue.waiting)}
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
            {formatNumber(mail.byStatus.sent)}
            <span className="text-sm font-normal text-zinc-500"> sent</span>
          </p>
          <BarChart
            data={mail.sentSeries}
            label={`Mail sent per ${range.bucket}, ${range.label}`}
            bucket={range.bucket}
          />
          <ul className="mt-3 flex flex-wrap gap-x-4 gap-y-1 text-sm">
            {mail.statuses.map((s) => (
              <li key={s} className={statusText[s]}>
                <Link href={`/deliveries?status=${s}`} className="hover:underline">
                  {formatNumber(mail.byStatus[s])} {s}
                </Link>
              </li>
            ))}
          </ul>
        </Card>
      </div>
      <div className="mt-4 grid gap-4 lg:grid-cols-3">
        <Card title="Events" description={range.label} actions={rangeLinks}>
          <p className="text-2xl font-semibold">{formatNumber(events.total)}</p>
          <BarChart data={events.series} label={`Events per ${range.bucket}, ${range.label}`} bucket={range.bucket} />
          {events.groups.length === 0 ? (
            <p className="mt-2 text-sm text-zinc-500">
              {generators.total === 0 ? "Create a generator, then Run now." : "None yet: Run now to record the first."}
            </p>
          ) : (
            <ul className="mt-3 space-y-1 text-sm">
              {events.groups.slice(0, 8).map((g) => (
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
            <JobRunTable
              runs={runs}
              now={now}
              showInstance={false}
              empty="No job has run yet. Press Run now, or wait for the scheduler."
            />
          </Card>
        </div>
      </div>
    </>
  );
}
