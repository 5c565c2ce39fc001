import type { JobProgress, JobSummary } from "@/db/schema";

/**
 * A pass's figures, each with one definition, for every page that shows them (the dashboard's live
 * progress, the job runs list, a run's page):
 *
 * - `candidates`: rows the sources yielded, each source counted once however many generators read it
 *   (the summary's per-generator `candidates` repeat a shared source's rows for each of its generators,
 *   which is how the dashboard once said 67 where the run's page said 19);
 * - `recorded`: events recorded for the first time; `seen`: candidates whose key was already recorded;
 * - `sent`, `failed`, `dead`: the pass's deliveries by outcome, dead including mail whose template did
 *   not render; null until the pass reaches delivery.
 *
 * A finished run reads its summary, a running one its progress.
 */
export type RunFigures = {
  candidates: number;
  recorded: number;
  seen: number;
  sent: number | null;
  failed: number | null;
  dead: number | null;
};

export function runFigures({
  progress,
  summary,
}: {
  progress: JobProgress | null;
  summary: JobSummary | null;
}): RunFigures {
  if (summary) {
    const perSource = new Map<string, number>();
    for (const g of summary.generators) perSource.set(g.source, Math.max(perSource.get(g.source) ?? 0, g.candidates));
    return {
      candidates: [...perSource.values()].reduce((n, c) => n + c, 0),
      recorded: summary.events.recorded,
      seen: summary.events.seen,
      ...summary.deliveries,
    };
  }
  return {
    candidates: progress?.candidates ?? 0,
    recorded: progress?.recorded ?? 0,
    seen: progress?.seen ?? 0,
    sent: progress?.sent ?? null,
    failed: progress?.failed ?? null,
    dead: progress?.dead ?? null,
  };
}
