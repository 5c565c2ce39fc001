import Link from "next/link";
import { TimeAgo } from "@/components/ui/time-ago";
import type { JobRun } from "@/spark/types";
import { StatusBadge } from "./status-badge";
import { formatNumber, formatDuration } from "@/components/ui/format";
import { DataTable } from "@/components/ui/data-table";

/** The last job passes: what started them, how long they took, what they recorded and sent. */
export function JobRunTable({ runs, now, empty }: { runs: JobRun[]; now: Date; empty: string }) {
  if (runs.length === 0) return <p className="text-sm text-zinc-500">{empty}</p>;
  return (
    <DataTable inCard columns={["Run", "Trigger", "Started", "Duration", "Status", "Events", "Mail", "Errors"]}>
      {runs.map((run) => (
        <tr key={run.id} className="align-top">
          <td className="px-5 py-2 font-mono text-xs">
            <Link href={`/jobs/${run.id}`} className="text-spark-700 hover:underline">
              #{run.id}
            </Link>
          </td>
          <td className="px-5 py-2">{run.trigger}</td>
          <td className="px-5 py-2 text-zinc-600">
            <TimeAgo date={run.startedAt} now={now} />
          </td>
          <td className="px-5 py-2 text-zinc-600">{run.durationMs === null ? "—" : formatDuration(run.durationMs)}</td>
          <td className="px-5 py-2">
            <StatusBadge status={run.status} />
          </td>
          <td className="px-5 py-2 whitespace-nowrap text-zinc-700">
            {run.summary
              ? `${formatNumber(run.summary.events.recorded)} new · ${formatNumber(run.summary.events.seen)} seen`
              : run.progress
                ? `${formatNumber(run.progress.recorded)} new so far`
                : "—"}
          </td>
          <td className="px-5 py-2 whitespace-nowrap text-zinc-700">
            {run.summary
              ? `${formatNumber(run.summary.deliveries.sent)} sent${run.summary.deliveries.dead > 0 ? ` · ${formatNumber(run.summary.deliveries.dead)} dead` : ""}`
              : "—"}
          </td>
          <td className="max-w-sm px-5 py-2">
            {run.summary?.message && run.status === "skipped" ? (
              <span className="text-zinc-500">{run.summary.message}</span>
            ) : null}
            {run.summary && run.summary.errors.length > 0 ? (
              <span
                className="text-red-700"
                title={run.summary.errors.map((e) => `${e.where}${e.key ? ` ${e.key}` : ""}: ${e.message}`).join("\n")}
              >
                {run.summary.errors.length} — {run.summary.errors[0]!.where}: {run.summary.errors[0]!.message}
              </span>
            ) : run.status !== "skipped" ? (
              <span className="text-zinc-400">none</span>
            ) : null}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
