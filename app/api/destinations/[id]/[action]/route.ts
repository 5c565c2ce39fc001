import { NextResponse } from "next/server";
import { jsonError, readJsonBody } from "@/app/_server/api";
import { withApiKey } from "@/app/_server/machine-api";
import { destinationAction } from "@/spark/subscriptions/api";

export const dynamic = "force-dynamic";

/** pause, resume, replay or reset a destination (scope admin). */
export const POST = withApiKey<{ params: Promise<{ id: string; action: string }> }>(
  "admin",
  async (request, { params, engine }) => {
    const { id, action } = await params;
    const empty = request.headers.get("content-length") === "0" || !request.body;
    const read = empty ? ({ ok: true, body: {} } as const) : await readJsonBody(request, 256 * 1024);
    if (!read.ok) return jsonError(read.status, read.message);
    const answer = await destinationAction(engine.deps, id, action, read.body);
    return NextResponse.json(answer.body, { status: answer.status });
  },
);
