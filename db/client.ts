import { join } from "node:path";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import * as schema from "./schema";
import { lockDataDir } from "./data-dir-lock";
import { DatabaseOpenError } from "./errors";
import { guardPostgresNullSocket } from "./postgres-guard";
import { RemotePglite } from "./pglite-remote";
import { stripParamsFromQueryErrors } from "./query-errors";

stripParamsFromQueryErrors();

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type DbDriver = "pglite" | "postgres";

/** A column as the driver reports it: the Postgres type OID decides the variable's type. */
export type RawColumn = { name: string; oid: number };
export type RawResult = { rows: Record<string, unknown>[]; columns: RawColumn[] };
export type RawQuery = (text: string, params?: unknown[]) => Promise<RawResult>;

export type Database = {
  db: Db;
  /**
   * Runs `fn` in a READ ONLY transaction, for SQL that operators write. Postgres also enforces the
   * statement timeout; PGlite cannot (it has no timer), so its callers bound the work another way.
   */
  readOnly<T>(timeoutMs: number, fn: (query: RawQuery) => Promise<T>): Promise<T>;
  driver: DbDriver;
  /** Where the data lives, without credentials: safe to print. */
  location: string;
  migrate(migrationsFolder: string): Promise<void>;
  /**
   * Calls `onNotify` for every NOTIFY on `channel` once its transaction commits (a dedicated session on
   * PostgreSQL; in process on PGlite). Answers the function that stops listening.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
};

export type OpenDatabaseInput =
  | { driver: "postgres"; url: string; poolSize?: number; onQuery?: QueryObserver }
  | { driver: "pglite"; dataDir: string }
  | { driver: "pglite"; memory: true };

/** Sees every statement sent to PostgreSQL with its parameters; benchmarks use it to explain the app's own queries. */
export type QueryObserver = (text: string, params: unknown[]) => void;

export async function openDatabase(input: OpenDatabaseInput): Promise<Database> {
  return input.driver === "postgres" ? openPostgres(input.url, input.poolSize ?? 10, input.onQuery) : openPglite(input);
}

async function openPglite(input: { dataDir: string } | { memory: true }): Promise<Database> {
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  const lock = "dataDir" in input ? lockDataDir(input.dataDir) : null;
  const client = new RemotePglite("dataDir" in input ? join(input.dataDir, "pgdata") : null);
  try {
    await client.waitReady;
  } catch (error) {
    await client.close().catch(() => {});
    lock?.release();
    throw new DatabaseOpenError(
      `The embedded database in ${"dataDir" in input ? input.dataDir : "memory"} could not be opened: ${messageOf(error)}`,
    );
  }
  const db = drizzle({ client: client as never, schema }) as unknown as Db;
  return {
    db,
    readOnly: (_timeoutMs, fn) =>
      client.transaction(async (tx) => {
        await tx.exec("set transaction read only");
        return fn(async (text, params) => {
          const result = await tx.query<Record<string, unknown>>(text, params);
          return { rows: result.rows, columns: result.fields.map((f) => ({ name: f.name, oid: f.dataTypeID })) };
        });
      }),
    driver: "pglite",
    location: "dataDir" in input ? input.dataDir : "memory",
    listen: (channel, onNotify) => client.listen(channel, () => onNotify()),
    migrate: async (migrationsFolder) => {
      await migrate(db as never, { migrationsFolder });
    },
    close: async () => {
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
  };
}

async function openPostgres(url: string, poolSize: number, onQuery?: QueryObserver): Promise<Database> {
  const location = describePostgresUrl(url);
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const { migrate } = await import("drizzle-orm/postgres-js/migrator");
  const options = { max: poolSize, connect_timeout: 10, onnotice: () => {} };
  guardPostgresNullSocket();
  const client = postgres(
    url,
    onQuery
      ? { ...options, debug: (_connection: number, text: string, params: unknown[]) => onQuery(text, params) }
      : options,
  );
  try {
    await client`select 1`;
  } catch (error) {
    await client.end({ timeout: 1 }).catch(() => {});
    throw new DatabaseOpenError(
      `Cannot use the database at ${location}: ${describePostgresError(error)}. Check DATABASE_URL.`,
    );
  }
  const db = drizzle({ client, schema }) as unknown as Db;
  return {
    db,
    readOnly: (timeoutMs, fn) =>
      client.begin("read only", async (tx) => {
        await tx.unsafe(`set local statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
        return fn(async (text, params) => {
          const result = await tx.unsafe(text, (params ?? []) as never[]);
          return {
            rows: [...result] as Record<string, unknown>[],
            columns: (result.columns ?? []).map((c) => ({ name: c.name, oid: c.type })),
          };
        });
      }) as Promise<never>,
    driver: "postgres",
    location,
    listen: async (channel, onNotify) => {
      const { unlisten } = await client.listen(channel, () => onNotify());
      return unlisten;
    },
    migrate: async (migrationsFolder) => {
      // Several instances may start at once: one applies the migrations, the others wait for it.
      const single = postgres(url, { ...options, max: 1 });
      try {
        await single`select pg_advisory_lock(7412001)`;
        await migrate(drizzle({ client: single }), { migrationsFolder });
      } finally {
        await single.end({ timeout: 5 });
      }
    },
    close: async () => {
      await client.end({ timeout: 5 });
    },
  };
}

/** Checks the shape of a DATABASE_URL and returns it without its password. */
export function describePostgresUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatabaseOpenError(
      "DATABASE_URL is not a URL; set it to postgres://user:password@host:5432/database, or unset it to use the embedded database.",
    );
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new DatabaseOpenError(
      `DATABASE_URL must start with postgres:// (it starts with ${parsed.protocol}//); unset it to use the embedded database.`,
    );
  }
  if (!parsed.hostname)
    throw new DatabaseOpenError("DATABASE_URL names no host; set it to postgres://user:password@host:5432/database.");
  const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : "";
  return `postgres://${user}${parsed.host}${parsed.pathname}`;
}

function describePostgresError(error: unknown): string {
  const e = error as { code?: string; message?: string };
  switch (e.code) {
    case "ECONNREFUSED":
      return "connection refused (is Postgres running on that host and port?)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "the host name does not resolve";
    case "CONNECT_TIMEOUT":
    case "ETIMEDOUT":
      return "the connection timed out";
    case "28P01":
    case "28000":
      return "the user name or password was refused";
    default:
      return messageOf(error);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}
