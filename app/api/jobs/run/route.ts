import { NextResponse } from "next/server";
import { jsonError } from "@/app/_server/api";
import { getEngine, StoppingError } from "@/app/_server/engine";
import { authorizeCron } from "@/app/_server/http/cron-auth";

export const dynamic = "force-dynamic";

/** Runs one pass for cron (Authorization: Bearer $SPARK_CRON_SECRET) and answers its JSON summary. */
export async function POST(request: Request) {
  const engine = await getEngine();
  const auth = authorizeCron(request.headers.get("authorization"), {
    cronSecret: engine.config.cronSecret,
    internalSecret: engine.internalSecret,
  });
  if (auth.status !== "ok") {
    return auth.status === "unconfigured"
      ? jsonError(
          503,
          "SPARK_CRON_SECRET is not set on the server; set it to a long random value to enable this route.",
        )
      : jsonError(401, "Send Authorization: Bearer <SPARK_CRON_SECRET>.");
  }
  try {
    return NextResponse.json(await engine.runPass({ trigger: auth.trigger }));
  } catch (error) {
    if (error instanceof StoppingError) return jsonError(503, error.message);
    throw error;
  }
}
