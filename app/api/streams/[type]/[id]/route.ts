import { NextResponse } from "next/server";
import { jsonError } from "@/app/_server/api";
import { withApiKey } from "@/app/_server/machine-api";
import { readStream } from "@/spark/producers/read";

export const dynamic = "force-dynamic";

/** One aggregate's events in version order (scope read). */
export const GET = withApiKey<{ params: Promise<{ type: string; id: string }> }>(
  "read",
  async (request, { params, engine }) => {
    const { type, id } = await params;
    const search = new URL(request.url).searchParams;
    const page = await readStream(engine.deps, {
      type,
      id,
      afterVersion: search.get("afterVersion") ?? undefined,
      limit: search.get("limit") ?? undefined,
    });
    if (!page.ok) return jsonError(400, page.message);
    const { ok: _ok, ...stream } = page;
    return NextResponse.json(stream);
  },
);
