import { parseArgs } from "node:util";
import { lockDataDir } from "@/db/data-dir-lock";
import { DatabaseOpenError } from "@/db/errors";
import { loadConfig } from "@/runtime/config";
import { openRuntime } from "@/runtime/compose";
import { readServerFile, type ServerFile } from "@/runtime/server-file";
import { apiKeyInputSchema, apiKeyScopes } from "@/spark/api-keys/api-keys";
import {
  apiKeyCommandSchema,
  runApiKeyCommand,
  type ApiKeyCommand,
  type ApiKeyCommandResult,
} from "@/spark/api-keys/commands";
import { silentLogger } from "@/spark/logger";
import { CliError, runCli } from "./run";

const usage = `Usage: npm run api-key -- <command>
  create <name> --scopes ingest,read   create a key; the key alone is printed on stdout's last line, once
  list                                 list keys (never their secrets)
  revoke <name-or-id>                  revoke a key; its next request is refused`;

/** Reads the command line into a command, refusing what is wrong before any database is opened. */
function commandOf(argv: string[]): ApiKeyCommand | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { scopes: { type: "string" }, help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    // Node's own wording suggests `--` tricks that do not apply here; name the option and the ones there are.
    const { code, message } = error as Error & { code?: string };
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE")
      throw new CliError(`--scopes needs a value: --scopes ingest,read`);
    const option = /'([^']+)'/.exec(message)?.[1] ?? "that option";
    throw new CliError(`unknown option ${option}; the options are --scopes and --help.`);
  }
  const { positionals, values } = parsed;
  const [command, target, ...extra] = positionals;
  if (values.help) return "help";
  if (!command) throw new CliError(`name a command. ${usage.split("\n")[0]}`);
  if (!["create", "list", "revoke"].includes(command))
    throw new CliError(`unknown command '${command}'. ${usage.split("\n")[0]}`);
  if (extra.length > 0)
    throw new CliError(
      `unexpected '${extra.join(" ")}'; quote a name with spaces: create "deploy bot" --scopes ingest`,
    );
  if (command === "list") {
    if (target !== undefined) throw new CliError(`'list' takes no name; it lists every key.`);
    return { command: "list" };
  }
  if (command === "revoke") {
    if (!target?.trim()) throw new CliError(`'revoke' needs a key's name or id: npm run api-key -- revoke deploy-bot`);
    return { command: "revoke", target };
  }
  if (!target?.trim())
    throw new CliError(`'create' needs a name: npm run api-key -- create deploy-bot --scopes ingest,read`);
  if (values.scopes === undefined)
    throw new CliError(`'create' needs --scopes, one or more of ${apiKeyScopes.join(", ")}: --scopes ingest,read`);
  const scopes = values.scopes
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = scopes.find((s) => !(apiKeyScopes as readonly string[]).includes(s));
  if (unknown !== undefined)
    throw new CliError(`unknown scope '${unknown}'; use ${apiKeyScopes.join(", ")} (comma-separated).`);
  const checked = apiKeyInputSchema.safeParse({ name: target, scopes });
  if (!checked.success) throw new CliError(checked.error.issues[0]!.message);
  return apiKeyCommandSchema.parse({ command: "create", name: target, scopes });
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
  try {
    return print(await runApiKeyCommand(runtime.deps, command));
  } finally {
    await runtime.close();
  }
});

async function askServer(server: ServerFile, command: ApiKeyCommand): Promise<ApiKeyCommandResult> {
  process.stderr.write(`The embedded database is held by the server (pid ${server.pid}); asking it…\n`);
  let response: Response;
  try {
    response = await fetch(`${server.url}/api/internal/api-keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.secret}`, "content-type": "application/json" },
      body: JSON.stringify(command),
    });
  } catch (error) {
    throw new CliError(
      `the server (pid ${server.pid}) holds the embedded database but does not answer at ${server.url} (${(error as Error).message}); stop it or wait for it to start.`,
    );
  }
  const body = (await response.json().catch(() => null)) as { ok?: unknown; error?: unknown } | null;
  if (!body || typeof body.ok !== "boolean")
    throw new CliError(
      `the server answered HTTP ${response.status}: ${typeof body?.error === "string" ? body.error : "not an answer about API keys"}`,
    );
  return body as ApiKeyCommandResult;
}

const when = (iso: string | null) => (iso ? iso.replace("T", " ").replace(/\.\d+Z$/, " UTC") : "never");

function print(result: ApiKeyCommandResult): number {
  if (!result.ok) throw new CliError(result.message);
  if (result.command === "create") {
    const { key } = result;
    process.stderr.write(
      `Created the API key "${key.name}" (${key.scopes.join(", ")}). Copy it now: Spark keeps only its hash and cannot show it again.\n`,
    );
    process.stdout.write(`${key.secret}\n`);
    return 0;
  }
  if (result.command === "revoke") {
    const { key } = result;
    process.stdout.write(
      result.already
        ? `The API key "${key.name}" (${key.prefix}…) was already revoked.\n`
        : `Revoked the API key "${key.name}" (${key.prefix}…); its next request is refused.\n`,
    );
    return 0;
  }
  if (result.keys.length === 0) {
    process.stderr.write("No API keys yet: npm run api-key -- create <name> --scopes ingest\n");
    return 0;
  }
  for (const k of result.keys) {
    process.stdout.write(
      [
        k.id,
        k.name,
        `${k.prefix}…`,
        k.scopes.join(","),
        k.revokedAt ? `revoked ${when(k.revokedAt)}` : "live",
        `created ${when(k.createdAt)} by ${k.createdBy ?? "the command line"}`,
        k.lastUsedAt ? `last used ${when(k.lastUsedAt)} from ${k.lastUsedAddress ?? "?"}` : "never used",
      ].join("\t") + "\n",
    );
  }
  return 0;
}
