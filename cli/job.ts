import { lockDataDir } from "@/db/data-dir-lock";
import { DatabaseOpenError } from "@/db/errors";
import { loadConfig } from "@/runtime/config";
import type { JobSummary } from "@/spark/job/job";
import { createLogger } from "@/spark/logger";
import { readServerFile } from "@/runtime/server-file";
import { openRuntime } from "@/runtime/compose";
import { runJob } from "@/spark/job/job";
import { CliError, runCli } from "./run";

/**
 * `npm run job`: one pass, progress on stderr, the JSON summary as one line on stdout, exit 1 when the
 * pass recorded errors. When a running server holds the embedded database, that server runs the pass.
 */
runCli(async () => {
  const config = loadConfig();
  const log = createLogger({ ...config.log, info: process.stderr });
  if (config.database.driver === "pglite") {
    try {
      lockDataDir(config.database.dataDir).release();
    } catch (error) {
      const server = readServerFile(config.database.dataDir);
      if (!(error instanceof DatabaseOpenError) || !server) throw error;
      return printSummary(await askServer(server));
    }
  }
  const runtime = await openRuntime(config, { log });
  // Ctrl+C or a supervisor's SIGTERM: the pass stops at its next batch, closes its run and releases the
  // job lease before the process ends, instead of leaving the lease to run out.
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`${signal}: stopping the pass after its current batch…\n`);
    stop.abort();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    let last = 0;
    const summary = await runJob(runtime.deps, {
      trigger: "cli",
      signal: stop.signal,
      onProgress: (p) => {
        if (Date.now() - last < 1000) return;
        last = Date.now();
        const mail =
          p.sent === undefined ? "" : `; mail ${p.sent} sent, ${p.failed ?? 0} to retry, ${p.dead ?? 0} dead`;
        process.stderr.write(
          `job #${p.runId}: ${p.phase}; ${p.candidates.toLocaleString("en")} candidates, ${p.recorded.toLocaleString("en")} events recorded, ${p.seen.toLocaleString("en")} already seen${mail}\n`,
        );
      },
    });
    return printSummary(summary);
  } finally {
    await runtime.close();
  }
});

async function askServer(server: { url: string; secret: string; pid: number }): Promise<JobSummary> {
  process.stderr.write(`The embedded database is held by the server (pid ${server.pid}); asking it to run the pass…\n`);
  let response: Response;
  try {
    response = await fetch(`${server.url}/api/jobs/run`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.secret}` },
    });
  } catch (error) {
    throw new CliError(
      `the server (pid ${server.pid}) holds the embedded database but does not answer at ${server.url} (${(error as Error).message}); stop it or wait for it to start.`,
    );
  }
  const body = (await response.json().catch(() => null)) as (JobSummary & { error?: string }) | null;
  if (!response.ok || !body || !body.status)
    throw new CliError(`the server answered HTTP ${response.status}: ${body?.error ?? "no summary"}`);
  return body;
}

function printSummary(summary: JobSummary): number {
  for (const error of summary.errors)
    process.stderr.write(`error in ${error.where}${error.key ? ` (${error.key})` : ""}: ${error.message}\n`);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return summary.status === "error" ? 1 : 0;
}
