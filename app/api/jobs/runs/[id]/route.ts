import { NextResponse } from "next/server";
import { jsonError, withSession } from "@/app/_server/api";
import { getEngine } from "@/app/_server/engine";
import { findJobRunById } from "@/db/queries/job-runs";

export const dynamic = "force-dynamic";

/** A job run's status and live progress, polled by the dashboard while it runs. */
export const GET = withSession<{ params: Promise<{ id: string }> }>(async (_request, { params }) => {
  const { id } = await params;
  if (!/^\d{1,15}$/.test(id)) return jsonError(400, "A job run id is a whole number.");
  const { database } = await getEngine();
  const run = await findJobRunById(database.db, { id: Number(id) });
  if (!run) return jsonError(404, `No job run #${id}.`);
  return NextResponse.json({
    id: run.id,
    trigger: run.trigger,
    status: run.status,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    durationMs: run.durationMs,
    progress: run.progress,
    summary: run.summary,
  });
});
