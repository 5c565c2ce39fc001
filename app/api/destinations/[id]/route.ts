import { NextResponse } from "next/server";
import { jsonError, readJsonBody } from "@/app/_server/api";
import { withApiKey } from "@/app/_server/machine-api";
import { destinationState, updateDestination } from "@/spark/subscriptions/api";

export const dynamic = "force-dynamic";

/** A destination's state, lag, backlog and last error (scope admin). */
export const GET = withApiKey<{ params: Promise<{ id: string }> }>("admin", async (_request, { params, engine }) => {
  const answer = await destinationState(engine.deps, (await params).id);
  return NextResponse.json(answer.body, { status: answer.status });
});

/** Changes a destination in place: what the body names changes, the rest stays (scope admin). */
export const PATCH = withApiKey<{ params: Promise<{ id: string }> }>("admin", async (request, { params, engine }) => {
  const read = await readJsonBody(request, 64 * 1024);
  if (!read.ok) return jsonError(read.status, read.message);
  const answer = await updateDestination(engine.deps, (await params).id, read.body);
  return NextResponse.json(answer.body, { status: answer.status });
});
