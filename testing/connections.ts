import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "@/db/client";
import type { EnvConnection } from "../runtime/config";
import { seedDemoData, type SampleExec } from "../demo/seed";
import { buildSampleImage, createSamplePool, SAMPLE_IMAGE_FILE } from "../spark/connections/sample";
import { createConnections, type Connections } from "../spark/connections/index";

export type SampleSetup = (exec: SampleExec) => Promise<void>;

const images = new Map<string, Promise<Uint8Array>>();

/**
 * A sample image with the demo's data as of `now`, then `setup` (run as the owner): tests share one
 * image per (now, setup) in a process, since building one starts a whole embedded database.
 */
export function sampleImageFor({
  now = new Date(),
  setup,
  key,
}: { now?: Date; setup?: SampleSetup; key?: string } = {}): Promise<Uint8Array> {
  const id = `${now.toISOString()}|${key ?? (setup ? Math.random() : "")}`;
  let image = images.get(id);
  if (!image) {
    image = buildSampleImage(async (exec) => {
      await seedDemoData(exec, now);
      await setup?.(exec);
    });
    images.set(id, image);
  }
  return image;
}

/** The connections a test's passes and previews read from: the sample database from `image`. */
export function testConnections(
  database: Database,
  {
    image,
    timeoutMs = 10_000,
    env = [],
    secretKey = "a test key that is long enough for SPARK_SECRET_KEY",
  }: { image?: Promise<Uint8Array>; timeoutMs?: number; env?: EnvConnection[]; secretKey?: string | null } = {},
): Connections {
  return createConnections({
    db: database.db,
    secretKey,
    env,
    limits: { timeoutMs },
    sample: async () => createSamplePool(await (image ?? sampleImageFor())),
  });
}

/** A data directory holding a built sample image, for processes (the CLI, pass processes) a test starts. */
export async function dataDirWithSample(image: Promise<Uint8Array> = sampleImageFor()): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "spark-data-"));
  mkdirSync(join(dir, "sample"), { recursive: true });
  writeFileSync(join(dir, "sample", SAMPLE_IMAGE_FILE), await image);
  return dir;
}

export type AppPostgres = {
  target: {
    kind: "postgres";
    host: string;
    port: number;
    database: string;
    username: string;
    password: string;
    ssl: false;
  };
  adminUrl: string;
  drop: () => Promise<void>;
};

/**
 * An application's database on the test server, as the README tells operators to set one up: its own
 * database, filled by `setup` (run by the admin), and a login role that may only SELECT its tables.
 */
export async function createAppPostgres(adminUrl: string, setup: string): Promise<AppPostgres> {
  const { default: postgres } = await import("postgres");
  const suffix = `${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const name = `spark_app_${suffix}`;
  const role = `spark_reader_${suffix}`;
  const password = `pw-${suffix}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.unsafe(`create role ${role} login password '${password}'`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const app = postgres(url.toString(), { max: 1, onnotice: () => {} });
  await app.unsafe(setup);
  await app.unsafe(
    `revoke all on schema public from public; grant usage on schema public to ${role}; grant select on all tables in schema public to ${role}`,
  );
  await app.end();
  return {
    target: {
      kind: "postgres",
      host: url.hostname,
      port: Number(url.port || 5432),
      database: name,
      username: role,
      password,
      ssl: false,
    },
    adminUrl: url.toString(),
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.unsafe(`drop role if exists ${role}`);
      await admin.end();
    },
  };
}

export type AppMysql = {
  target: {
    kind: "mysql";
    host: string;
    port: number;
    database: string;
    username: string;
    password: string;
    ssl: false;
  };
  drop: () => Promise<void>;
};

/** The same for MySQL/MariaDB: a database filled by `setup` statements and a user with SELECT on it alone. */
export async function createAppMysql(rootUrl: string, setup: string[]): Promise<AppMysql> {
  const mysql = await import("mysql2/promise");
  const url = new URL(rootUrl);
  const suffix = `${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const name = `spark_app_${suffix}`;
  const user = `reader_${suffix}`.slice(0, 32);
  const password = `pw-${suffix}`;
  const root = await mysql.createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username) || "root",
    password: decodeURIComponent(url.password),
  });
  await root.query(`create database ${name}`);
  await root.query(`create user '${user}'@'%' identified by '${password}'`);
  await root.query(`use ${name}`);
  for (const statement of setup) await root.query(statement);
  await root.query(`grant select on ${name}.* to '${user}'@'%'`);
  return {
    target: {
      kind: "mysql",
      host: url.hostname,
      port: Number(url.port || 3306),
      database: name,
      username: user,
      password,
      ssl: false,
    },
    drop: async () => {
      await root.query(`drop database if exists ${name}`);
      await root.query(`drop user if exists '${user}'@'%'`);
      await root.end();
    },
  };
}
