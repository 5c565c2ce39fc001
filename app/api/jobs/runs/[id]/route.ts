import { NextResponse } from "next/server";
import { jsonError, withSession } from "@/app/_server/api";
import { getEngine } from "@/app/_server/engine";
import { loadJobRunProgress, parseJobRunId } from "@/app/_views/jobs";

export const dynamic = "force-dynamic";

/** A job run's status and live progress, polled by the dashboard while it runs. */
export const GET = withSession<{ params: Promise<{ id: string }> }>(async (_request, { params }) => {
  const { id } = await params;
  const runId = parseJobRunId(id);
  if (runId === null) return jsonError(400, "A job run id is a whole number.");
  const { deps } = await getEngine();
  const run = await loadJobRunProgress(deps.db, runId);
  if (!run) return jsonError(404, `No job run #${id}.`);
  return NextResponse.json(run);
});
