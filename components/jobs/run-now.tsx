"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useRef, useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { Notice } from "@/components/ui/notice";
import type { RunFigures } from "@/spark/job/figures";
import type { JobProgress, JobSummary } from "@/spark/types";
import { StatusBadge } from "./status-badge";
import { formatCount, formatDuration, formatNumber } from "@/components/ui/format";

type RunState = {
  id: number;
  status: "running" | JobSummary["status"];
  progress: JobProgress | null;
  summary: JobSummary | null;
  figures: RunFigures;
};
type RunNowAction = () => Promise<{ ok: true; runId: number } | { ok: false; message: string }>;

const POLL_MS = 1000;

/**
 * "Run now" and the live state of a pass: it follows the run through /api/jobs/runs/<id> until it
 * ends, then refreshes the page so the lists below show the new figures. A run already going when the
 * page opens is followed the same way.
 */
export function RunNow({ action, runningId }: { action: RunNowAction; runningId: number | null }) {
  const router = useRouter();
  const [runId, setRunId] = useState<number | null>(runningId);
  const [run, setRun] = useState<RunState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [starting, startTransition] = useTransition();
  // A double click calls `start` twice before the button renders disabled; the second call is dropped
  // here, and the server answers a press during a pass with that pass anyway.
  const pressed = useRef(false);

  const poll = useCallback(async (id: number): Promise<RunState | null> => {
    const response = await fetch(`/api/jobs/runs/${id}`, { cache: "no-store" });
    if (!response.ok) return null;
    return (await response.json()) as RunState;
  }, []);

  useEffect(() => {
    if (runId === null) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const state = await poll(runId);
        if (stopped) return;
        if (state) setRun(state);
        if (state && state.status !== "running") {
          router.refresh();
          return;
        }
      } catch {
        if (stopped) return;
      }
      timer = setTimeout(() => void tick(), POLL_MS);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [runId, poll, router]);

  const start = () => {
    if (pressed.current) return;
    pressed.current = true;
    startTransition(async () => {
      setError(null);
      setRun(null);
      try {
        const result = await action();
        if (result.ok) setRunId(result.runId);
        else setError(result.message);
      } catch {
        setError("Spark did not answer; check that the server is running and try again.");
      } finally {
        pressed.current = false;
      }
    });
  };

  const running = starting || run?.status === "running" || (runId !== null && run === null);
  return (
    <div className="space-y-3">
      <Button type="button" onClick={start} disabled={running}>
        {running ? "Running…" : "Run now"}
      </Button>
      {error ? <Notice tone="error">{error}</Notice> : null}
      <div aria-live="polite">{run ? <RunProgress run={run} /> : null}</div>
    </div>
  );
}

function RunProgress({ run }: { run: RunState }) {
  const progress = run.figures;
  return (
    <div
      className="space-y-2 rounded-md bg-zinc-50 p-3 text-sm ring-1 ring-zinc-200 ring-inset"
      data-testid="run-progress"
    >
      <div className="flex items-center gap-2">
        <Link href={`/jobs/${run.id}`} className="font-medium text-spark-700 hover:underline">
          Run #{run.id}
        </Link>
        <StatusBadge status={run.status} />
        {run.status === "running" && run.progress ? <span className="text-zinc-500">{run.progress.phase}</span> : null}
      </div>
      {run.summary?.message ? <p className="text-zinc-700">{run.summary.message}</p> : null}
      {run.status !== "skipped" ? (
        <p className="text-zinc-700">
          {formatCount(progress.candidates, "candidate")} read ·{" "}
          <strong>{formatCount(progress.recorded, "event")} recorded</strong> · {formatNumber(progress.seen)} already
          seen
        </p>
      ) : null}
      {run.summary && run.status !== "skipped" ? (
        <p className="text-zinc-700">
          Mail: {formatNumber(progress.sent ?? 0)} sent · {formatNumber(progress.failed ?? 0)} to retry ·{" "}
          {formatNumber(progress.dead ?? 0)} dead · {formatDuration(run.summary.durationMs)}
        </p>
      ) : null}
      {run.summary && run.summary.errors.length > 0 ? (
        <ul className="space-y-1 text-red-800">
          {run.summary.errors.slice(0, 5).map((e, i) => (
            <li key={i}>
              <span className="font-medium">{e.where}</span>
              {e.key ? <span className="font-mono text-xs"> {e.key}</span> : null}: {e.message}
            </li>
          ))}
          {run.summary.errors.length > 5 ? <li>…and {run.summary.errors.length - 5} more.</li> : null}
        </ul>
      ) : null}
      {run.status !== "running" && progress.recorded > 0 ? (
        <Link href={`/events?run=${run.id}`} className="text-spark-700 hover:underline">
          See the events
        </Link>
      ) : null}
    </div>
  );
}
