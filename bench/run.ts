import { parseArgs } from "node:util";
import { CliError, runCli } from "@/cli/run";
import { deliverBenchmark } from "./deliver";
import { generateBenchmark } from "./generate";
import { indexesBenchmark } from "./indexes";
import { ingestBenchmark } from "./ingest";
import { logBenchmark } from "./log";
import { webhooksBenchmark } from "./webhooks";
import { relayNatsBenchmark } from "./relay-nats";
import { relayRabbitBenchmark } from "./relay-rabbitmq";

export type BenchResult = {
  name: string;
  value: number;
  unit: string;
  baseline: number;
  ratio: number;
  [extra: string]: unknown;
};
export type BenchOptions = {
  json: boolean;
  n: number | null;
  driver: "pglite" | "postgres" | "both";
  databaseUrl: string | null;
};

const benchmarks: Record<string, (options: BenchOptions) => Promise<BenchResult[]>> = {
  generate: generateBenchmark,
  deliver: deliverBenchmark,
  log: logBenchmark,
  indexes: indexesBenchmark,
  ingest: ingestBenchmark,
  webhooks: webhooksBenchmark,
  relay: async (options) => [...(await relayRabbitBenchmark(options)), ...(await relayNatsBenchmark(options))],
};

/**
 * `npm run bench -- <name> [--json] [--n N] [--driver pglite|postgres|both]`: each benchmark prints a
 * table of its figures beside a raw baseline measured in the same run; with --json its last line is the
 * result as JSON. Postgres comes from BENCH_DATABASE_URL (or TEST_DATABASE_URL); each run makes and
 * drops a database of its own there.
 */
runCli(async () => {
  const { positionals, values } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      json: { type: "boolean", default: false },
      n: { type: "string" },
      driver: { type: "string", default: "both" },
    },
  });
  const name = positionals[0];
  const bench = name ? benchmarks[name] : undefined;
  if (!bench)
    throw new CliError(
      `name a benchmark: npm run bench -- <${Object.keys(benchmarks).join("|")}> [--json] [--n N] [--driver pglite|postgres|both]`,
    );
  if (!["pglite", "postgres", "both"].includes(values.driver!))
    throw new CliError(`--driver '${values.driver}' is not pglite, postgres or both.`);
  if (values.n !== undefined && !/^\d+$/.test(values.n)) throw new CliError(`--n '${values.n}' is not a whole number.`);
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? null;
  const results = await bench({
    json: values.json!,
    n: values.n ? Number(values.n) : null,
    driver: values.driver as BenchOptions["driver"],
    databaseUrl,
  });
  if (values.json) for (const result of results) process.stdout.write(`${JSON.stringify(result)}\n`);
});
