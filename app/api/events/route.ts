import { NextResponse } from "next/server";
import { jsonError, readJsonBody } from "@/app/_server/api";
import { withApiKey } from "@/app/_server/machine-api";
import { keyAllows } from "@/spark/api-keys/api-keys";
import {
  apiSourceOf,
  ingestEvents,
  ingestResponseOf,
  INGEST_LIMITS,
  itemsOfBody,
  SPARK_MAIL_NEEDS_SCOPE,
} from "@/spark/producers/ingest";
import { readEvents } from "@/spark/producers/read";

export const dynamic = "force-dynamic";

/** Records one event or a batch (scope ingest); one result per item, in order. */
export const POST = withApiKey("ingest", async (request, { key, engine }) => {
  const read = await readJsonBody(request, INGEST_LIMITS.bytes);
  if (!read.ok) return jsonError(read.status, read.message);
  const body = itemsOfBody(read.body);
  if (!body.ok) return jsonError(400, body.message);
  const results = await ingestEvents(engine.deps, {
    items: body.items,
    source: apiSourceOf(key.id),
    sparkMail: keyAllows(key.scopes, "mail") ? { allowed: true } : { allowed: false, refusal: SPARK_MAIL_NEEDS_SCOPE },
  });
  return NextResponse.json(ingestResponseOf(results));
});

/** Events in commit order after a cursor (scope read). */
export const GET = withApiKey("read", async (request, { engine }) => {
  const params = new URL(request.url).searchParams;
  const page = await readEvents(engine.deps, {
    after: params.get("after") ?? undefined,
    group: params.get("group") ?? undefined,
    limit: params.get("limit") ?? undefined,
  });
  if (!page.ok) return jsonError(400, page.message);
  return NextResponse.json({ events: page.events, next: page.next });
});
