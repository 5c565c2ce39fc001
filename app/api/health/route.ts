import { NextResponse } from "next/server";
import { getEngine } from "@/app/_server/engine";
import { checkHealth } from "@/runtime/health";

export const dynamic = "force-dynamic";

/** Public on purpose, for load balancers: it says whether the database answers, and nothing more. */
export async function GET() {
  const health = await checkHealth(getEngine().then((engine) => engine.database));
  return NextResponse.json(health, { status: health.ok ? 200 : 503 });
}
