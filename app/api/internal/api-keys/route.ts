import { NextResponse } from "next/server";
import { jsonError, readJsonBody } from "@/app/_server/api";
import { getEngine } from "@/app/_server/engine";
import { isInternalCaller } from "@/app/_server/http/internal-auth";
import { apiKeyCommandSchema, runApiKeyCommand } from "@/spark/api-keys/commands";

export const dynamic = "force-dynamic";

/**
 * `npm run api-key` on this machine, while this server holds the embedded database: create, list or
 * revoke keys. Only the internal secret from the data dir is accepted; keys made here belong to no operator.
 */
export async function POST(request: Request) {
  const engine = await getEngine();
  if (!isInternalCaller(request.headers.get("authorization"), engine.internalSecret))
    return jsonError(
      401,
      "This route answers npm run api-key on the server's own machine only, with the secret in the data directory.",
    );
  const body = await readJsonBody(request, 8_192);
  if (!body.ok) return jsonError(body.status, body.message);
  const command = apiKeyCommandSchema.safeParse(body.body);
  if (!command.success)
    return jsonError(
      400,
      'Send {"command":"create","name","scopes"}, {"command":"list"} or {"command":"revoke","target"}.',
    );
  const result = await runApiKeyCommand(engine.deps, command.data);
  return NextResponse.json(result, { status: result.ok ? 200 : 422 });
}
