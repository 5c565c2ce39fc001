import { openDatabase } from "@/db/client";
import { loadConfig } from "@/runtime/config";
import { openRuntime } from "@/runtime/compose";
import { generateEvents, runJob, type JobSummary } from "@/spark/job/job";
import { silentLogger } from "@/spark/logger";
import { deliverWithinBudget } from "@/spark/mail/deliver-pass";

/**
 * One job pass in a process of its own, composed like the server's (settings from the environment,
 * SMTP_URL's pool), printing its summary as one JSON line. RELIABILITY_NO_LEASE=1 runs the pass's
 * parts without the job's lease, so overlapping passes really overlap instead of skipping: the keys
 * and the delivery claims, not the lease, must keep them apart.
 */
const config = loadConfig();
if (config.database.driver !== "postgres")
  throw new Error("the reliability suite runs on PostgreSQL: set DATABASE_URL");
// The harness migrated the database; eight passes migrating at once would race for nothing.
const runtime = await openRuntime(config, { log: silentLogger, database: await openDatabase(config.database) });
try {
  const summary =
    process.env.RELIABILITY_NO_LEASE === "1"
      ? await passWithoutLease()
      : await runJob(runtime.deps, { trigger: "cli" });
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  // As `npm run job`: a pass that recorded errors exits 1.
  process.exitCode = summary.status === "error" ? 1 : 0;
} finally {
  await runtime.close();
}

async function passWithoutLease(): Promise<JobSummary> {
  const t0 = performance.now();
  const generated = await generateEvents(runtime.deps);
  const tally = await deliverWithinBudget(runtime.deps, { budgetMs: runtime.deps.settings.jobBudgetMs });
  return {
    runId: null,
    status: generated.errors.length > 0 ? "error" : "ok",
    trigger: "cli",
    events: {
      recorded: generated.counts.reduce((n, c) => n + c.recorded, 0),
      seen: generated.counts.reduce((n, c) => n + c.seen, 0),
    },
    deliveries: { sent: tally.sent, failed: tally.failed, dead: tally.dead },
    generators: generated.counts,
    groups: generated.groups,
    errors: generated.errors,
    durationMs: Math.round(performance.now() - t0),
  };
}
