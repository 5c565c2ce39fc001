import nodemailer from "nodemailer";
import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { rowsOf } from "@/db/rows";
import { openScratchDatabase } from "@/testing/scratch-database";
import { SmtpSink } from "@/testing/smtp-sink";
import { toNodemailer } from "@/emails/transports/message";
import { createSmtpMailer } from "@/emails/transports/smtp";
import { deliverWithinBudget } from "@/spark/mail/deliver-pass";
import { createDeps } from "@/runtime/compose";
import { defaultSettings } from "@/spark/deps";
import { silentLogger } from "@/spark/logger";
import { testConnections } from "@/testing/connections";
import { printTable } from "./generate";
import type { BenchOptions, BenchResult } from "./run";

const POOL = 10;
const html = `<!doctype html><html><body><p>Hello participant, your challenge ends in two days.</p><p>${"Keep going! ".repeat(20)}</p></body></html>`;
const text = `Hello participant, your challenge ends in two days.\n\n${"Keep going! ".repeat(20)}`;

/**
 * Mail as a job pass leaves it: n recorded events, each with its mail queued in the outbox for a
 * template, so the measured send renders every message as Spark does before it sends it.
 */
async function queue(database: Database, n: number) {
  await database.db.execute(sql`truncate deliveries, mail_outbox, events, mail_templates cascade`);
  await database.db.execute(sql`
    insert into mail_templates (name, group_pattern, subject, html, text, to_address, from_address)
    values ('bench', 'bench', 'Challenge {{ n }} ends in two days', ${html}, ${text}, 'user{{ n }}@example.com', 'Spark <spark@example.com>')`);
  await database.db.execute(sql`
    insert into events (event_group, key, context)
    select 'bench', 'bench:' || g, jsonb_build_object('n', g) from generate_series(1, ${n}::int) g`);
  await database.db.execute(sql`
    insert into mail_outbox (event_id, template_id, template_version, partials_revision)
    select e.id, t.id, t.version, 0 from events e cross join mail_templates t`);
}

/** The raw floor: nodemailer's pool sending the same messages, with nothing recorded anywhere. */
async function rawSend(url: string, n: number): Promise<number> {
  const transport = nodemailer.createTransport({
    url,
    pool: true,
    maxConnections: POOL,
    maxMessages: Infinity,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      transport.sendMail(
        toNodemailer({
          messageId: `<raw.${i}@example.com>`,
          envelope: { from: "spark@example.com", to: [`user${i}@example.com`] },
          headers: { from: "Spark <spark@example.com>", to: [`user${i}@example.com`], cc: [], replyTo: [] },
          subject: `Challenge ${i} ends in two days`,
          html,
          text,
        }),
      ),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  transport.close();
  return seconds;
}

async function measure(driver: "pglite" | "postgres", n: number, databaseUrl: string | null): Promise<BenchResult> {
  const database = await openScratchDatabase(driver === "pglite" ? { driver } : { driver, adminUrl: databaseUrl! });
  const sink = new SmtpSink();
  sink.parse = false;
  await sink.start();
  const mailer = createSmtpMailer({ url: sink.url, connections: POOL });
  try {
    const deps = createDeps({
      db: database.db,
      mailer,
      log: silentLogger,
      settings: {
        ...defaultSettings,
        mail: { ...defaultSettings.mail, defaultFrom: "Spark <spark@example.com>", messageIdDomain: "example.com" },
      },
      connections: testConnections(database),
    });
    const sparkSend = async (count: number) => {
      await queue(database, count);
      sink.received = 0;
      const t0 = performance.now();
      const tally = await deliverWithinBudget(deps, { budgetMs: 600_000 });
      const seconds = (performance.now() - t0) / 1000;
      if (tally.sent !== count || sink.received !== count)
        throw new Error(`Spark delivered ${tally.sent} (${sink.received} received) of ${count}`);
      return seconds;
    };
    // An untimed warm-up of each side first (JIT, the embedded database's WebAssembly, the render
    // workers), then the best of three for each side, alternating, so a noisy neighbour favours neither.
    await rawSend(sink.url, Math.ceil(n / 5));
    await sparkSend(Math.ceil(n / 5));
    let raw = Infinity;
    let spark = Infinity;
    for (let round = 0; round < 3; round++) {
      sink.received = 0;
      raw = Math.min(raw, await rawSend(sink.url, n));
      if (sink.received !== n) throw new Error(`the raw run delivered ${sink.received} of ${n}`);
      spark = Math.min(spark, await sparkSend(n));
    }
    const [left] = rowsOf<{ n: number }>(
      await database.db.execute(sql`select count(*)::int as n from deliveries where status <> 'sent'`),
    );
    if (left?.n) throw new Error(`${left.n} deliveries were not sent`);
    const rate = n / spark;
    const baseline = n / raw;
    return {
      name: `deliver.${driver}`,
      value: Math.round(rate),
      unit: "mails/s",
      baseline: Math.round(baseline),
      ratio: Number((rate / baseline).toFixed(3)),
      n,
      pool: POOL,
    };
  } finally {
    await mailer.close();
    await sink.stop();
    await database.close();
  }
}

export async function deliverBenchmark(options: BenchOptions): Promise<BenchResult[]> {
  const n = options.n ?? 5_000;
  const drivers = options.driver === "both" ? (["pglite", "postgres"] as const) : [options.driver];
  const results: BenchResult[] = [];
  for (const driver of drivers) {
    if (driver === "postgres" && !options.databaseUrl) {
      process.stderr.write(
        "deliver: skipping postgres; set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a server where a scratch database may be created.\n",
      );
      continue;
    }
    process.stderr.write(
      `deliver: ${driver}, ${n.toLocaleString("en")} mails through a pool of ${POOL} into an in-process SMTP server…\n`,
    );
    results.push(await measure(driver, n, options.databaseUrl));
  }
  if (!options.json) {
    printTable(
      ["benchmark", "Spark deliverDue", "raw nodemailer pool", "ratio"],
      results.map((r) => [
        r.name,
        `${r.value.toLocaleString("en")} ${r.unit}`,
        `${r.baseline.toLocaleString("en")} mails/s`,
        r.ratio.toFixed(2),
      ]),
    );
  }
  return results;
}
