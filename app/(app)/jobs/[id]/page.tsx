import Link from "next/link";
import { notFound } from "next/navigation";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { StatusBadge } from "@/components/jobs/status-badge";
import { Card } from "@/components/ui/card";
import { formatDuration, formatNumber } from "@/components/ui/format";
import { LiveRefresh } from "@/components/ui/live-refresh";
import { PageHeader } from "@/components/ui/page-header";
import { TimeAgo } from "@/components/ui/time-ago";
import { loadJobRun } from "@/app/_views/jobs";
import { eventFilterQuery } from "@/app/_views/event-log";
import { DataTable } from "@/components/ui/data-table";

export const dynamic = "force-dynamic";
export const metadata = { title: "Job run" };

export default async function JobRunPage({ params }: { params: Promise<{ id: string }> }) {
  await requireSession();
  const { id } = await params;
  const { deps } = await getEngine();
  const detail = await loadJobRun(deps.db, id);
  if (!detail) notFound();
  const { run, startedBy } = detail;
  const now = deps.clock();
  const summary = run.summary;
  const progress = run.progress;
  const figures = run.figures;
  const row = "flex flex-wrap justify-between gap-x-4 gap-y-1 py-2";
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/jobs" className="text-spark-700 hover:underline">
          ← Job runs
        </Link>
      </p>
      <PageHeader
        title={`Job run #${run.id}`}
        description={
          summary?.message ?? (run.status === "running" ? `Running: ${progress?.phase ?? "starting"}.` : undefined)
        }
        actions={
          <div className="flex items-center gap-3">
            <LiveRefresh active={run.status === "running"} />
            <StatusBadge status={run.status} />
          </div>
        }
      />
      <div className="grid gap-6 lg:grid-cols-3">
        <Card title="Run">
          <dl className="divide-y divide-zinc-100 text-sm">
            <div className={row}>
              <dt className="text-zinc-500">Trigger</dt>
              <dd>
                {run.trigger}
                {startedBy ? <span className="text-zinc-500"> by {startedBy.email}</span> : null}
              </dd>
            </div>
            <div className={row}>
              <dt className="text-zinc-500">Instance</dt>
              <dd className="font-mono text-xs" title="host:process id">
                {run.instance ?? "—"}
              </dd>
            </div>
            <div className={row}>
              <dt className="text-zinc-500">Started</dt>
              <dd>
                <TimeAgo date={run.startedAt} now={now} />
              </dd>
            </div>
            <div className={row}>
              <dt className="text-zinc-500">Duration</dt>
              <dd>{run.durationMs === null ? "still running" : formatDuration(run.durationMs)}</dd>
            </div>
          </dl>
        </Card>
        {run.status === "skipped" ? (
          // A skipped pass did no work: one line saying why, not two cards of zeros.
          <div className="lg:col-span-2">
            <Card title="Skipped">
              <p className="text-sm text-zinc-700">
                {summary?.message ?? "skipped: another pass held the job lease"}. It read nothing and sent nothing: the
                pass holding the lease did the work.
              </p>
            </Card>
          </div>
        ) : (
          <>
            <Card title="Events">
              <p className="text-2xl font-semibold">{formatNumber(figures.recorded)} new</p>
              <p className="text-sm text-zinc-600">
                {formatNumber(figures.seen)} already seen · {formatNumber(figures.candidates)} candidates read
              </p>
              {figures.recorded > 0 ? (
                <p className="mt-2 text-sm">
                  <Link
                    href={`/events${eventFilterQuery({ jobRunId: run.id })}`}
                    className="text-spark-700 hover:underline"
                  >
                    See the events
                  </Link>
                </p>
              ) : null}
            </Card>
            <Card title="Mail">
              {summary ? (
                <>
                  <p className="text-2xl font-semibold">{formatNumber(figures.sent ?? 0)} sent</p>
                  <p className="text-sm text-zinc-600">
                    {formatNumber(figures.failed ?? 0)} to retry · {formatNumber(figures.dead ?? 0)} dead
                  </p>
                </>
              ) : (
                <p className="text-sm text-zinc-500">Delivery starts after the generators.</p>
              )}
            </Card>
          </>
        )}
      </div>
      {summary && summary.errors.length > 0 ? (
        <section className="mt-6">
          <Card
            title={`Errors (${summary.errors.length})`}
            description="Each failed alone: the rest of the pass went on. A failed event is tried again on the next pass."
          >
            <ul className="divide-y divide-zinc-100 text-sm">
              {summary.errors.map((error, i) => (
                <li key={i} className="py-2">
                  <p className="font-medium text-red-800">{error.where}</p>
                  {error.key ? <p className="font-mono text-xs text-zinc-600">key {error.key}</p> : null}
                  <p className="whitespace-pre-wrap text-zinc-800">{error.message}</p>
                </li>
              ))}
            </ul>
          </Card>
        </section>
      ) : null}
      {summary && summary.generators.length > 0 ? (
        <section className="mt-6">
          <Card title="Generators">
            <DataTable
              inCard
              columns={[
                "Generator",
                "Group",
                { label: "Read", align: "right" },
                { label: "Passed", align: "right" },
                { label: "New", align: "right" },
                { label: "Seen", align: "right" },
                { label: "Failed", align: "right" },
                "Error",
              ]}
            >
              {summary.generators.map((g) => (
                <tr key={g.id} className="align-top">
                  <td className="px-5 py-2">
                    {/* An outbox source's rows are counted here like a generator's candidates. */}
                    <Link
                      href={
                        g.source.startsWith("outbox:") ? `/generators/sources/outbox/${g.id}` : `/generators/${g.id}`
                      }
                      className="text-spark-700 hover:underline"
                    >
                      {g.name}
                    </Link>
                  </td>
                  <td className="px-5 py-2 font-mono text-xs">
                    {g.source.startsWith("outbox:") ? (
                      <span className="font-sans text-zinc-500">each row&apos;s own</span>
                    ) : (
                      <Link href={`/events${eventFilterQuery({ group: g.group })}`} className="hover:underline">
                        {g.group}
                      </Link>
                    )}
                  </td>
                  <td className="px-5 py-2 text-right">{formatNumber(g.candidates)}</td>
                  <td className="px-5 py-2 text-right">{formatNumber(g.passed)}</td>
                  <td className="px-5 py-2 text-right font-medium">{formatNumber(g.recorded)}</td>
                  <td className="px-5 py-2 text-right">{formatNumber(g.seen)}</td>
                  <td className={`px-5 py-2 text-right ${g.failed > 0 ? "text-red-700" : ""}`}>
                    {formatNumber(g.failed)}
                  </td>
                  <td className="max-w-sm px-5 py-2 text-red-700">{g.error ?? ""}</td>
                </tr>
              ))}
            </DataTable>
          </Card>
        </section>
      ) : null}
    </>
  );
}
