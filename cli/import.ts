import { parseArgs } from "node:util";
import { lockDataDir } from "@/db/data-dir-lock";
import { DatabaseOpenError } from "@/db/errors";
import { loadConfig } from "@/runtime/config";
import { openRuntime } from "@/runtime/compose";
import { readServerFile, type ServerFile } from "@/runtime/server-file";
import type { DjangoSparkImportReport } from "@/spark/imports/django-spark";
import {
  describeProgress,
  reportLines,
  djangoSparkImportCommand,
  runDjangoSparkImport,
  targetOfUrl,
  type DjangoSparkImportCommand,
  type ImportCommandResult,
} from "@/spark/imports/commands";
import { silentLogger } from "@/spark/logger";
import { CliError, runCli } from "./run";

const usage = `Usage: npm run import -- django-spark --from <url> [--dry-run]
  --from <url>   django-spark's database, read as a user that may only read it:
                 postgres://reader:password@host:5432/app or mysql://reader:password@host:3306/app
  --dry-run      count what would be imported, write nothing`;

/** Reads the command line, refusing what is wrong before any database is opened. */
function commandOf(argv: string[]): DjangoSparkImportCommand | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        from: { type: "string" },
        "dry-run": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    const { code, message } = error as Error & { code?: string };
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE")
      throw new CliError("--from needs a value: --from postgres://reader:password@host/app");
    const option = /'([^']+)'/.exec(message)?.[1] ?? "that option";
    throw new CliError(`unknown option ${option}; the options are --from, --dry-run and --help.`);
  }
  const { positionals, values } = parsed;
  if (values.help) return "help";
  const [what, ...extra] = positionals;
  if (!what) throw new CliError(`name what to import. ${usage.split("\n")[0]}`);
  if (what !== "django-spark")
    throw new CliError(`Spark imports from django-spark only, not '${what}'. ${usage.split("\n")[0]}`);
  if (extra.length > 0) throw new CliError(`unexpected '${extra.join(" ")}'. ${usage.split("\n")[0]}`);
  if (!values.from) throw new CliError("name django-spark's database: --from postgres://reader:password@host/app");
  const target = targetOfUrl(values.from);
  if (!target.ok) throw new CliError(target.message);
  return djangoSparkImportCommand.parse({ from: values.from, dryRun: values["dry-run"] ?? false });
}

let lastProgress = 0;
function progress(report: DjangoSparkImportReport) {
  if (Date.now() - lastProgress < 1000) return;
  lastProgress = Date.now();
  process.stderr.write(`${describeProgress(report)}\n`);
}

runCli(async () => {
  const command = commandOf(process.argv.slice(2));
  if (command === "help") {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const config = loadConfig();
  if (config.database.driver === "pglite") {
    try {
      lockDataDir(config.database.dataDir).release();
    } catch (error) {
      const server = readServerFile(config.database.dataDir);
      if (!(error instanceof DatabaseOpenError) || !server) throw error;
      return print(await askServer(server, command));
    }
  }
  const runtime = await openRuntime(config, { log: silentLogger });
  // Ctrl+C: the import stops after its batch; what it recorded stays, and running it again goes on.
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`${signal}: stopping the import after its current batch…\n`);
    stop.abort();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    return print(await runDjangoSparkImport(runtime.deps, command, { onProgress: progress, signal: stop.signal }));
  } finally {
    await runtime.close();
  }
});

async function askServer(server: ServerFile, command: DjangoSparkImportCommand): Promise<ImportCommandResult> {
  process.stderr.write(`The embedded database is held by the server (pid ${server.pid}); asking it to import…\n`);
  let response: Response;
  try {
    response = await fetch(`${server.url}/api/internal/import`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.secret}`, "content-type": "application/json" },
      body: JSON.stringify(command),
    });
  } catch (error) {
    throw new CliError(
      `the server (pid ${server.pid}) holds the embedded database but does not answer at ${server.url} (${(error as Error).message}); stop it or wait for it to start.`,
    );
  }
  if (!response.ok || !response.body) {
    const body = (await response.json().catch(() => null)) as { error?: unknown } | null;
    throw new CliError(
      `the server answered HTTP ${response.status}: ${typeof body?.error === "string" ? body.error : "not an import"}`,
    );
  }
  let pending = "";
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    let newline;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      const message = JSON.parse(line) as { progress?: DjangoSparkImportReport; result?: ImportCommandResult };
      if (message.progress) progress(message.progress);
      if (message.result) return message.result;
    }
  }
  throw new CliError(
    "the server ended the import without a result; run it again to go on (nothing is imported twice).",
  );
}

function print(result: ImportCommandResult): number {
  if (!result.ok) throw new CliError(result.message);
  const { report } = result;
  for (const line of reportLines(report)) process.stderr.write(`${line}\n`);
  process.stdout.write(`${JSON.stringify(report)}\n`);
  return 0;
}
