import { NextResponse } from "next/server";
import { jsonError, readJsonBody } from "@/app/_server/api";
import { withApiKey } from "@/app/_server/machine-api";
import { createDestination } from "@/spark/subscriptions/api";

export const dynamic = "force-dynamic";

/** Creates a subscription and its destination (scope admin). */
export const POST = withApiKey("admin", async (request, { engine }) => {
  const read = await readJsonBody(request, 64 * 1024);
  if (!read.ok) return jsonError(read.status, read.message);
  const answer = await createDestination(engine.deps, read.body);
  return NextResponse.json(answer.body, { status: answer.status });
});
