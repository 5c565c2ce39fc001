import { TimeAgo } from "@/components/ui/time-ago";
import type { GeneratorCounts } from "@/spark/types";
import { formatNumber } from "@/components/ui/format";

/** A generator's figures from the last job run that ran it: read, passed, new and already seen. */
export function LastRunCounts({
  lastRun,
  now,
}: {
  lastRun: { runId: number; finishedAt: Date | null; counts: GeneratorCounts } | null;
  now: Date;
}) {
  if (!lastRun) return <span className="text-zinc-400">not run yet</span>;
  const { counts } = lastRun;
  return (
    <div className="space-y-0.5 text-xs">
      <p className="text-zinc-700">
        <span title="Candidates the source yielded">{formatNumber(counts.candidates)} read</span> ·{" "}
        <span title="Candidates that met every condition">{formatNumber(counts.passed)} passed</span> ·{" "}
        <span className="font-medium text-zinc-900" title="Events recorded for the first time">
          {formatNumber(counts.recorded)} new
        </span>{" "}
        · <span title="Keys already recorded by an earlier run">{formatNumber(counts.seen)} seen</span>
      </p>
      {counts.error ? <p className="text-red-700">{counts.error}</p> : null}
      {counts.failed > 0 ? <p className="text-red-700">{formatNumber(counts.failed)} failed in handlers</p> : null}
      <p className="text-zinc-500">
        run #{lastRun.runId}, <TimeAgo date={lastRun.finishedAt} now={now} />
      </p>
    </div>
  );
}
