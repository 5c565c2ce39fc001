import { spawn } from "node:child_process";
import { type sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { insertGenerator } from "@/db/queries/generators";
import { SAMPLE_CONNECTION_ID } from "@/db/queries/connections";
import { insertSqlSource } from "@/db/queries/sql-sources";
import { rowsOf } from "@/db/rows";
import { mailTemplates } from "@/db/schema";
import type { JobSummary } from "@/spark/job/job";

export type PassProcess = {
  pid: number;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; summary: JobSummary | null; stderr: string }>;
};

/** Starts `reliability/pass.ts` in a process of its own against the scratch database and the sink. */
export function startPass(env: Record<string, string>): PassProcess {
  // `node --import tsx` keeps the pass in this one process, so a SIGKILL reaches the process doing the work.
  const child = spawn(process.execPath, ["--import", "tsx", "reliability/pass.ts"], {
    env: {
      ...process.env,
      SPARK_SCHEDULE_SECONDS: "0",
      SPARK_DEMO: "0",
      SPARK_MAIL_FROM: "Spark <spark@example.com>",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    summary: JobSummary | null;
    stderr: string;
  }>((resolve) =>
    child.on("close", (code, signal) => {
      const last = stdout.trim().split("\n").at(-1) ?? "";
      resolve({ code, signal, summary: last.startsWith("{") ? (JSON.parse(last) as JobSummary) : null, stderr });
    }),
  );
  return { pid: child.pid!, done };
}

/** A SQL source on the sample connection (it reads no table) of `n` candidates with an email each, a generator on it, and a template that mails each. */
export async function seedMailingGenerator(
  database: Database,
  { n, group, offset = 0 }: { n: number; group: string; offset?: number },
) {
  const source = await insertSqlSource(database.db, {
    name: `${group}-source`,
    description: "",
    connectionId: SAMPLE_CONNECTION_ID,
    query: `select g as id, 'user' || g || '@example.com' as email from generate_series(${offset + 1}, ${offset + n}) g`,
    variables: { id: { type: "number" }, email: { type: "string" } },
  });
  await insertGenerator(database.db, { name: group, group, source: `sql:${source!.id}`, conditions: [] });
  await database.db.insert(mailTemplates).values({
    name: group,
    groupPattern: group,
    subject: "Hello {{ id }}",
    text: "Candidate {{ id }}",
    toAddress: "{{ email }}",
  });
}

export async function countRows(database: Database, query: ReturnType<typeof sql>): Promise<number> {
  return Number(rowsOf<{ n: number }>(await database.db.execute(query))[0]?.n ?? 0);
}

export function repeats(ids: string[]): number {
  return ids.length - new Set(ids).size;
}

/** One line of figures per scenario, as the suite's report. */
export function report(scenario: string, figures: Record<string, number | string>) {
  process.stdout.write(
    `reliability: ${scenario}: ${Object.entries(figures)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ")}\n`,
  );
}

/** A new migrated database on the test server, its URL for the pass processes, and a way to drop it. */
export async function createScratchPostgres(
  adminUrl: string,
): Promise<{ url: string; database: Database; drop: () => Promise<void> }> {
  const { default: postgres } = await import("postgres");
  const { openDatabase } = await import("@/db/client");
  const { migrateDatabase } = await import("@/db/migrate");
  const name = `spark_reliability_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ driver: "postgres", url: url.toString(), poolSize: 4 });
  await migrateDatabase(database);
  return {
    url: url.toString(),
    database,
    drop: async () => {
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
