import { NextResponse } from "next/server";
import { jsonError, readJsonBody } from "@/app/_server/api";
import { withApiKey } from "@/app/_server/machine-api";
import { createInbound, inboundStateOf, listInbounds } from "@/spark/inbound/inbounds";

export const dynamic = "force-dynamic";

/** Creates an inbound: a RabbitMQ queue or JetStream consumer whose messages become events (scope admin). */
export const POST = withApiKey("admin", async (request, { engine, log }) => {
  const read = await readJsonBody(request, 64 * 1024);
  if (!read.ok) return jsonError(read.status, read.message);
  const created = await createInbound(engine.deps, { input: read.body as never, by: null });
  if (created.status === "invalid")
    return jsonError(400, `${created.field}: ${created.message}`, { field: created.field });
  log.info("inbound created", {
    inboundId: created.inbound.id,
    inbound: created.inbound.name,
    kind: created.inbound.kind,
    target: created.inbound.target,
  });
  return NextResponse.json(inboundStateOf(created.inbound), { status: 201 });
});

/** Every inbound with its counts and last error (scope admin); never a password. */
export const GET = withApiKey("admin", async (_request, { engine }) =>
  NextResponse.json({ inbounds: (await listInbounds(engine.deps)).map(inboundStateOf) }),
);
