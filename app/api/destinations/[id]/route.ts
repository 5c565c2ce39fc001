import { NextResponse } from "next/server";
import { withApiKey } from "@/app/_server/machine-api";
import { destinationState } from "@/spark/subscriptions/api";

export const dynamic = "force-dynamic";

/** A destination's state, lag, backlog and last error (scope admin). */
export const GET = withApiKey<{ params: Promise<{ id: string }> }>("admin", async (_request, { params, engine }) => {
  const answer = await destinationState(engine.deps, (await params).id);
  return NextResponse.json(answer.body, { status: answer.status });
});
