import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { rowsOf } from "@/db/rows";
import { SmtpSink } from "@/testing/smtp-sink";
import { dataDirWithSample } from "@/testing/connections";
import { countRows, createScratchPostgres, repeats, report, seedMailingGenerator, startPass } from "./harness";

const adminUrl = process.env.TEST_DATABASE_URL;
if (!adminUrl)
  throw new Error(
    "npm run test:reliability needs TEST_DATABASE_URL (a PostgreSQL server where it may create databases)",
  );

describe("Spark's guarantees under load and faults (PostgreSQL, pass processes, a real SMTP sink)", () => {
  let sink: SmtpSink;
  let scratch: Awaited<ReturnType<typeof createScratchPostgres>>;
  let database: Database;
  let env: Record<string, string>;
  let dataDir: string;

  beforeAll(async () => {
    // Built once: every pass process reads the sample connection from this data directory.
    dataDir = await dataDirWithSample();
    sink = new SmtpSink();
    sink.parse = false;
    await sink.start();
  });
  afterAll(async () => {
    await sink?.stop();
  });
  beforeEach(async () => {
    scratch = await createScratchPostgres(adminUrl!);
    database = scratch.database;
    sink.messageIds.length = 0;
    sink.envelopes.length = 0;
    sink.rule = () => null;
    sink.delayMs = 0;
    env = {
      SPARK_DATA_DIR: dataDir,
      DATABASE_URL: scratch.url,
      SMTP_URL: sink.url,
      SPARK_SMTP_POOL: "4",
      SPARK_JOB_BUDGET_SECONDS: "240",
      SPARK_BACKOFF_BASE_SECONDS: "1",
      SPARK_BACKOFF_CAP_SECONDS: "2",
      SPARK_LEASE_SECONDS: "5",
    };
  });
  afterEach(async () => {
    await scratch?.drop();
  });

  const events = () => countRows(database, sql`select count(*)::int as n from events`);
  const byStatus = async (status: string) =>
    countRows(database, sql`select count(*)::int as n from deliveries where status = ${status}`);

  it("8 overlapping passes over 20,000 candidates record 20,000 events and deliver 20,000 mails, no Message-ID twice", async () => {
    const t0 = performance.now();
    await seedMailingGenerator(database, { n: 20_000, group: "load" });
    const passes = Array.from({ length: 8 }, () => startPass({ ...env, RELIABILITY_NO_LEASE: "1" }));
    const results = await Promise.all(passes.map((p) => p.done));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(await events()).toBe(20_000);
    expect(await countRows(database, sql`select count(*)::int as n from deliveries`)).toBe(20_000);
    expect(await byStatus("sent")).toBe(20_000);
    expect(sink.messageIds).toHaveLength(20_000);
    expect(repeats(sink.messageIds)).toBe(0);
    const recorded = results.reduce((n, r) => n + (r.summary?.events.recorded ?? 0), 0);
    expect(recorded).toBe(20_000);
    report("8 concurrent passes", {
      events: await events(),
      sent: sink.messageIds.length,
      duplicates: repeats(sink.messageIds),
      dead: await byStatus("dead"),
      seconds: ((performance.now() - t0) / 1000).toFixed(1),
    });
  });

  it("kill -9 during delivery: a new pass delivers everything, repeating at most what was in flight", async () => {
    const t0 = performance.now();
    await seedMailingGenerator(database, { n: 3_000, group: "crash" });
    sink.delayMs = 5;
    const doomed = startPass(env);
    while (sink.messageIds.length < 500) await new Promise((r) => setTimeout(r, 20));
    process.kill(doomed.pid, "SIGKILL");
    const killed = await doomed.done;
    expect(killed.signal).toBe("SIGKILL");
    const inFlight = await byStatus("sending");
    const receivedBefore = sink.messageIds.length;
    await new Promise((r) => setTimeout(r, 5_500));
    sink.delayMs = 0;
    const next = await startPass(env).done;
    expect(next.code, next.stderr).toBe(0);
    expect(await byStatus("sent")).toBe(3_000);
    expect(new Set(sink.messageIds).size).toBe(3_000);
    const duplicates = repeats(sink.messageIds);
    expect(duplicates).toBeLessThanOrEqual(inFlight);
    report("kill -9 mid-delivery", {
      events: await events(),
      sent: new Set(sink.messageIds).size,
      receivedBeforeKill: receivedBefore,
      inFlight,
      duplicates,
      dead: await byStatus("dead"),
      seconds: ((performance.now() - t0) / 1000).toFixed(1),
    });
  });

  it("the SMTP server down for a stretch: mail backs off and all of it arrives when the server is back; a 5xx recipient is dead with the reason", async () => {
    const t0 = performance.now();
    await seedMailingGenerator(database, { n: 500, group: "outage" });
    await sink.stop();
    // A backoff longer than the pass, so each delivery fails once in it however slow the machine is.
    const during = await startPass({ ...env, SPARK_BACKOFF_BASE_SECONDS: "60", SPARK_BACKOFF_CAP_SECONDS: "60" }).done;
    expect(during.code, during.stderr).toBe(0);
    expect(during.summary?.deliveries).toMatchObject({ sent: 0, failed: 500 });
    expect(await byStatus("failed")).toBe(500);
    await sink.start();
    sink.rule = (to) => (to === "user13@example.com" ? { code: 550, message: "5.1.1 No such user" } : null);
    // The backoff has run out.
    await database.db.execute(sql`update deliveries set next_attempt_at = now() where status = 'failed'`);
    const after = await startPass(env).done;
    expect(after.code, after.stderr).toBe(0);
    expect(await byStatus("sent")).toBe(499);
    const [dead] = rowsOf<{ last_error: string }>(
      await database.db.execute(sql`select last_error from deliveries where recipient = 'user13@example.com'`),
    );
    expect(dead!.last_error).toMatch(/550.*No such user/);
    expect(await byStatus("dead")).toBe(1);
    report("SMTP outage and a 5xx recipient", {
      events: await events(),
      sent: sink.messageIds.length,
      duplicates: repeats(sink.messageIds),
      dead: await byStatus("dead"),
      seconds: ((performance.now() - t0) / 1000).toFixed(1),
    });
  });

  it("the database connection killed mid-pass: the pass records an error, the next one completes, nothing is lost", async () => {
    const t0 = performance.now();
    await seedMailingGenerator(database, { n: 60_000, group: "cut" });
    sink.delayMs = 0;
    const pass = startPass({ ...env, SPARK_DB_POOL: "2" });
    // Wait until the pass is recording events, then cut its connections.
    while ((await events()) < 2_000) await new Promise((r) => setTimeout(r, 20));
    // Cut them again and again for a while: a pass that is between statements just reconnects, and the
    // test needs one cut to land on a statement in flight.
    let terminated = 0;
    let ended = false;
    const done = pass.done.finally(() => (ended = true));
    // Only while it records events: a cut during delivery may repeat a batch's sends (the kill -9 case).
    for (let i = 0; i < 40 && !ended; i++) {
      const [cut] = rowsOf<{ n: number; delivering: boolean }>(
        await database.db.execute(sql`
          with delivering as (select exists (select 1 from deliveries where status in ('sending', 'sent')) as yes)
          select count(pg_terminate_backend(a.pid)) filter (where not d.yes)::int as n, bool_or(d.yes) as delivering
          from pg_stat_activity a, delivering d
          where a.datname = current_database() and a.pid <> pg_backend_pid()`),
      );
      terminated += cut?.n ?? 0;
      if (cut?.delivering) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const cut = await done;
    expect(terminated).toBeGreaterThan(0);
    expect(cut.summary?.status, cut.stderr).toBe("error");
    expect(cut.code).toBe(1);
    const next = await startPass(env).done;
    expect(next.code, next.stderr).toBe(0);
    expect(await events()).toBe(60_000);
    expect(await countRows(database, sql`select count(*)::int as n from deliveries`)).toBe(60_000);
    expect(await byStatus("sent")).toBe(60_000);
    expect(repeats(sink.messageIds)).toBe(0);
    report("database connections killed mid-pass", {
      events: await events(),
      sent: sink.messageIds.length,
      terminated,
      duplicates: repeats(sink.messageIds),
      dead: await byStatus("dead"),
      seconds: ((performance.now() - t0) / 1000).toFixed(1),
    });
  });
});
