import { jsonError, readJsonBody } from "@/app/_server/api";
import { getEngine } from "@/app/_server/engine";
import { isInternalCaller } from "@/app/_server/http/internal-auth";
import { countsOf, djangoSparkImportCommand, runDjangoSparkImport } from "@/spark/imports/commands";

export const dynamic = "force-dynamic";

/**
 * `npm run import -- django-spark` on this machine, while this server holds the embedded database. The
 * answer is NDJSON: a `progress` line per batch (an import of millions of keys takes a while), then the
 * `result`. Only the internal secret from the data dir is accepted.
 */
export async function POST(request: Request) {
  const engine = await getEngine();
  if (!isInternalCaller(request.headers.get("authorization"), engine.internalSecret))
    return jsonError(
      401,
      "This route answers npm run import on the server's own machine only, with the secret in the data directory.",
    );
  const body = await readJsonBody(request, 8_192);
  if (!body.ok) return jsonError(body.status, body.message);
  const command = djangoSparkImportCommand.safeParse(body.body);
  if (!command.success) return jsonError(400, 'Send {"from":"postgres://…","dryRun":false}.');
  const encoder = new TextEncoder();
  const stop = new AbortController();
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (line: unknown) => controller.enqueue(encoder.encode(`${JSON.stringify(line)}\n`));
      try {
        const result = await runDjangoSparkImport(engine.deps, command.data, {
          signal: stop.signal,
          // Counts only: the lists come once, with the result.
          onProgress: (report) => send({ progress: countsOf(report) }),
        });
        send({ result });
      } catch (error) {
        engine.deps.log.error("django-spark import failed", { error: (error as Error).message });
        send({
          result: {
            ok: false,
            message: "The import failed on the server; its log has the cause. Run it again to go on.",
          },
        });
      }
      controller.close();
    },
    // The CLI went away (Ctrl+C): the import stops after its batch, keeping what it recorded.
    cancel() {
      stop.abort();
    },
  });
  return new Response(stream, { headers: { "content-type": "application/x-ndjson; charset=utf-8" } });
}
