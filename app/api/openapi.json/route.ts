import { NextResponse } from "next/server";
import { getEngine } from "@/app/_server/engine";
import { openApiDocument } from "@/spark/producers/openapi";

export const dynamic = "force-dynamic";

/** Public on purpose: a producer needs the description before it has a key, and it holds no data. */
export async function GET() {
  const { deps } = await getEngine();
  return NextResponse.json(openApiDocument({ publicUrl: deps.settings.publicUrl }), {
    headers: { "cache-control": "public, max-age=300" },
  });
}
