import Link from "next/link";
import { TimeAgo } from "@/components/ui/time-ago";
import type { JobRun } from "@/spark/types";
import type { RunFigures } from "@/spark/job/figures";
import { StatusBadge } from "./status-badge";
import { formatNumber, formatDuration } from "@/components/ui/format";
import { DataTable } from "@/components/ui/data-table";

/**
 * The last job passes: what started them, where they ran, how long they took, what they recorded and
 * sent. A skipped pass did no work, so its row says why in one cell instead of a row of blanks and
 * zeros, and nothing of it reads as an error.
 */
export function JobRunTable({
  runs,
  now,
  empty,
  showInstance = true,
}: {
  runs: (JobRun & { figures: RunFigures })[];
  now: Date;
  empty: string;
  /** The dashboard's narrower card leaves it out; the job runs list shows it. */
  showInstance?: boolean;
}) {
  if (runs.length === 0) return <p className="text-sm text-zinc-500">{empty}</p>;
  return (
    <DataTable
      inCard
      columns={[
        "Run",
        "Trigger",
        ...(showInstance ? ["Instance"] : []),
        "Started",
        "Duration",
        "Status",
        "Events",
        "Mail",
        "Errors",
      ]}
    >
      {runs.map((run) => (
        <tr key={run.id} className="align-top">
          <td className="px-5 py-2 font-mono text-xs">
            <Link href={`/jobs/${run.id}`} className="text-spark-700 hover:underline">
              #{run.id}
            </Link>
          </td>
          <td className="px-5 py-2">{run.trigger}</td>
          {showInstance ? (
            <td className="px-5 py-2 font-mono text-xs whitespace-nowrap text-zinc-600" title="host:process id">
              {run.instance ?? "—"}
            </td>
          ) : null}
          <td className="px-5 py-2 text-zinc-600">
            <TimeAgo date={run.startedAt} now={now} />
          </td>
          <td className="px-5 py-2 text-zinc-600">{run.durationMs === null ? "—" : formatDuration(run.durationMs)}</td>
          <td className="px-5 py-2">
            <StatusBadge status={run.status} />
          </td>
          {run.status === "skipped" ? (
            <td colSpan={3} className="px-5 py-2 text-zinc-600">
              {run.summary?.message ?? "skipped: another run was in progress"}
            </td>
          ) : (
            <>
              <td className="px-5 py-2 whitespace-nowrap text-zinc-700">
                {run.summary
                  ? `${formatNumber(run.figures.recorded)} new · ${formatNumber(run.figures.seen)} seen`
                  : `${formatNumber(run.figures.recorded)} new so far`}
              </td>
              <td className="px-5 py-2 whitespace-nowrap text-zinc-700">
                {run.figures.sent === null
                  ? "—"
                  : `${formatNumber(run.figures.sent)} sent${run.figures.dead ? ` · ${formatNumber(run.figures.dead)} dead` : ""}`}
              </td>
              <td className="max-w-sm px-5 py-2">
                {run.summary && run.summary.errors.length > 0 ? (
                  <span
                    className="text-red-700"
                    title={run.summary.errors
                      .map((e) => `${e.where}${e.key ? ` ${e.key}` : ""}: ${e.message}`)
                      .join("\n")}
                  >
                    {run.summary.errors.length} — {run.summary.errors[0]!.where}: {run.summary.errors[0]!.message}
                  </span>
                ) : (
                  <span className="text-zinc-400">none</span>
                )}
              </td>
            </>
          )}
        </tr>
      ))}
    </DataTable>
  );
}
