import { getTableColumns, getTableName } from "drizzle-orm";
import type { Sql } from "postgres";
import {
  accountTokens,
  capturedMails,
  connections,
  deliveries,
  events,
  jobLease,
  loginFailures,
  mailTemplates,
  sessions,
  users,
} from "@/db/schema";
import { variableTypeOfOid } from "../sources/variables";
import { takeSessionSlot } from "./session-slots";
import {
  asBoundedSubquery,
  BOUNDED_HEAD,
  connectFailure,
  CURSOR_HEAD,
  ConnectionError,
  queryTimedOut,
  isRowTooLarge,
  rowTooLarge,
  type ReadBatch,
  locatedError,
  type ReadLimits,
  type SourceConnection,
} from "./types";

/** The operator's query and what Spark sent before it, so an error's position can be given in their text. */
type Wrapped = { query: string; head: string };

export type PostgresTarget = {
  host: string;
  port: number;
  database: string;
  username: string;
  password: string;
  ssl: boolean;
};

/** Spark's own tables: a user who can read any of them could read sessions, hashes and captured mail. */
const SPARK_OWN = [
  users,
  sessions,
  accountTokens,
  loginFailures,
  connections,
  capturedMails,
  deliveries,
  events,
  mailTemplates,
  jobLease,
];
export const SPARK_TABLES = SPARK_OWN.map((table) => getTableName(table));
// Each table by its columns: an application's own `users` or `events` shares a name, not all of these.
const SPARK_COLUMNS = new Map<string, string[]>(
  SPARK_OWN.map((table) => [getTableName(table), Object.values(getTableColumns(table)).map((c) => c.name)]),
);

/** Whether a relation is (a copy or a view of) Spark's table of that name: it has every one of its columns. */
function isSparkTable(name: string, columns: string[]): boolean {
  const own = SPARK_COLUMNS.get(name);
  return own !== undefined && own.every((column) => columns.includes(column));
}

// A statement the server did not stop in time (a query that turned its own timeout off) is cancelled
// from here this long after its timeout.
const CANCEL_GRACE_MS = 1_000;

async function openSession(target: PostgresTarget, { timeoutMs }: ReadLimits): Promise<Sql> {
  const release = await takeSessionSlot(
    `postgres://${target.username}@${target.host}:${target.port}/${target.database}`,
    timeoutMs,
  );
  try {
    const sql = await connect(target, timeoutMs);
    const end = sql.end.bind(sql);
    // The slot is free again when the session ends, however the read ends.
    sql.end = ((options?: { timeout?: number }) => end(options).finally(release)) as Sql["end"];
    return sql;
  } catch (error) {
    release();
    throw error;
  }
}

async function connect(target: PostgresTarget, timeoutMs: number): Promise<Sql> {
  const { default: postgres } = await import("postgres");
  const sql = postgres({
    host: target.host,
    port: target.port,
    database: target.database,
    username: target.username,
    password: target.password,
    ssl: target.ssl ? "require" : false,
    max: 1,
    connect_timeout: 10,
    prepare: false,
    onnotice: () => {},
    // Set at connection start, before any operator text runs.
    connection: {
      application_name: "spark source",
      statement_timeout: timeoutMs,
      lock_timeout: timeoutMs,
      default_transaction_read_only: true,
    },
  });
  try {
    await sql`select 1`;
  } catch (error) {
    await sql.end({ timeout: 0 }).catch(() => {});
    throw new ConnectionError(connectFailure(error, target, { login: ["28P01", "28000"], noDatabase: ["3D000"] }));
  }
  return sql;
}

function describeQueryError(error: unknown, { timeoutMs }: ReadLimits, wrapped?: Wrapped): ConnectionError {
  if (error instanceof ConnectionError) return error;
  if (isRowTooLarge(error)) return rowTooLarge();
  const e = error as { code?: string; message?: string; position?: string };
  if (e.code === "57014") return queryTimedOut(timeoutMs);
  if (e.code === "25006") return new ConnectionError("A source only reads, and this query tried to write.");
  if (e.code === "42501") return new ConnectionError(`The connection's user may not do that: ${e.message}.`);
  if (/multiple commands/.test(e.message ?? ""))
    return new ConnectionError("Write a single statement: remove everything after the first ';'.");
  const message = (e.message ?? String(error)).split("\n")[0]!;
  if (wrapped) return locatedError(message, wrapped.query, wrapped.head, e.position);
  return new ConnectionError(`The query failed: ${message}`);
}

/** Runs one statement through the extended protocol (one statement, whatever the text), cancelled if it overruns. */
async function bounded(sql: Sql, text: string, params: unknown[], { timeoutMs }: ReadLimits) {
  // postgres.js sends a query without parameters through the simple protocol, which runs several
  // statements; `simple: false` (not in its types) keeps it on the extended protocol.
  const query = sql.unsafe(text, params as never[], { simple: false, prepare: false } as { prepare: boolean });
  const timer = setTimeout(() => void query.cancel(), timeoutMs + CANCEL_GRACE_MS);
  try {
    return await query;
  } finally {
    clearTimeout(timer);
  }
}

function batchOf(
  result: { columns?: readonly { name: string; type: number }[] } & Iterable<Record<string, unknown>>,
): ReadBatch {
  return {
    columns: (result.columns ?? []).map((c) => ({ name: c.name, type: variableTypeOfOid(c.type) })),
    rows: [...result],
  };
}

async function inReadOnly<T>(
  target: PostgresTarget,
  limits: ReadLimits,
  fn: (sql: Sql) => Promise<T>,
  wrapped?: Wrapped,
): Promise<T> {
  const sql = await openSession(target, limits);
  try {
    await sql.unsafe("begin transaction read only");
    return await fn(sql);
  } catch (error) {
    throw describeQueryError(error, limits, wrapped);
  } finally {
    // Ending the session drops whatever the query set, locked or created: nothing reaches the next read.
    await sql.end({ timeout: 0 }).catch(() => {});
  }
}

/** What makes a role unfit for operators' SQL, or an empty list. */
export async function checkPostgresPrivileges(sql: Sql): Promise<string[]> {
  const [row] = await sql<
    {
      rolsuper: boolean;
      rolbypassrls: boolean;
      roles: string[];
      named_like_spark: { name: string; shown: string; columns: string[] }[];
      spark_database: boolean;
      dangerous_functions: string[];
      definers: string[];
      user: string;
    }[]
  >`
    select r.rolsuper, r.rolbypassrls, current_user as user,
      -- Any role it belongs to, at any depth: SET ROLE (or set_config('role', …)) would hand over that
      -- role's privileges, so a reader must stand alone.
      array(
        select g.rolname from pg_roles g
        where g.oid <> r.oid and g.rolname <> 'pg_database_owner' and pg_has_role(r.oid, g.oid, 'MEMBER')
        order by g.rolname
      ) as roles,
      -- With their columns: an application's own users, sessions or events tables (a Rails application
      -- has all three) are what its generators read; Spark's, or a copy or view of them, have Spark's columns.
      coalesce((
        select json_agg(json_build_object(
          'name', c.relname,
          'shown', n.nspname || '.' || c.relname,
          'columns', array(select a.attname from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped)))
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relname = any(${SPARK_TABLES}::text[]) and c.relkind in ('r', 'p', 'v', 'm', 'f') and has_table_privilege(c.oid, 'select')
      ), '[]'::json) as named_like_spark,
      exists (
        select 1 from pg_class a join pg_class b on a.relnamespace = b.relnamespace
        where a.relname = 'job_lease' and b.relname = 'account_tokens'
      ) as spark_database,
      array(
        select p.oid::regprocedure::text from pg_proc p
        where (p.proname in ('pg_read_file', 'pg_read_binary_file', 'pg_ls_dir', 'pg_stat_file', 'lo_import', 'lo_export')
               or p.proname like 'dblink%' or p.proname like 'postgres_fdw%')
          and has_function_privilege(p.oid, 'execute')
        order by 1
      ) as dangerous_functions,
      -- A function that runs as its owner would run the query as someone else.
      array(
        select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where p.prosecdef and p.proowner <> r.oid and n.nspname not in ('pg_catalog', 'information_schema')
          and has_function_privilege(p.oid, 'execute')
        order by 1
        limit 5
      ) as definers
    from pg_roles r where r.rolname = current_user`;
  if (!row) return ["The connection's user was not found in pg_roles."];
  const problems: string[] = [];
  const user = row.user;
  if (row.spark_database)
    problems.push(
      "This is Spark's own database, which operators' SQL never reads; connect to the application's database instead.",
    );
  if (row.rolsuper)
    problems.push(
      `${user} is a superuser; connect as a read-only role (ALTER ROLE ${user} NOSUPERUSER, or create one as the README shows).`,
    );
  if (row.rolbypassrls) problems.push(`${user} bypasses row-level security; ALTER ROLE ${user} NOBYPASSRLS.`);
  if (row.roles.length > 0)
    problems.push(
      `${user} is a member of ${row.roles.join(", ")}, whose privileges it could take on; REVOKE ${row.roles.join(", ")} FROM ${user} and grant it SELECT directly.`,
    );
  const sparkTables = row.named_like_spark.filter((t) => isSparkTable(t.name, t.columns)).map((t) => t.shown);
  if (sparkTables.length > 0)
    problems.push(
      `${user} can read Spark's own tables (${sparkTables.join(", ")}); use a role that cannot, on the application's database.`,
    );
  if (row.dangerous_functions.length > 0)
    problems.push(`${user} may run ${row.dangerous_functions.join(", ")}; REVOKE EXECUTE on them.`);
  if (row.definers.length > 0)
    problems.push(
      `${user} may run functions that run as their owner (SECURITY DEFINER): ${row.definers.join(", ")}; REVOKE EXECUTE on them from ${user} and PUBLIC.`,
    );
  return problems;
}

export function postgresConnection(name: string, target: PostgresTarget, limits: ReadLimits): SourceConnection {
  const guarded = <T>(fn: (sql: Sql) => Promise<T>, wrapped?: Wrapped) =>
    inReadOnly(
      target,
      limits,
      async (sql) => {
        // Checked on every read as well as on save: a role can gain a privilege after it was saved.
        const problems = await checkPostgresPrivileges(sql);
        if (problems.length > 0) throw new ConnectionError(`The connection ${name} is refused: ${problems[0]}`);
        return fn(sql);
      },
      wrapped,
    );
  return {
    kind: "postgres",
    name,
    head: (query, limit) =>
      guarded(
        async (sql) =>
          batchOf(
            await bounded(sql, `${asBoundedSubquery(query)} limit ${Math.max(0, Math.floor(limit))}`, [], limits),
          ),
        { query, head: BOUNDED_HEAD },
      ),
    query: (text, params) => guarded(async (sql) => batchOf(await bounded(sql, text, params, limits))),
    async *stream(query, batchSize) {
      const sql = await openSession(target, limits);
      try {
        await sql.unsafe("begin transaction read only");
        const problems = await checkPostgresPrivileges(sql);
        if (problems.length > 0) throw new ConnectionError(`The connection ${name} is refused: ${problems[0]}`);
        await bounded(sql, `${CURSOR_HEAD}${asBoundedSubquery(query)}`, [], limits);
        const size = Math.max(1, Math.floor(batchSize));
        for (;;) {
          // Each fetch is a statement of its own, under the timeout: a large source streams however long it is.
          const batch = batchOf(await bounded(sql, `fetch forward ${size} from spark_cursor`, [], limits));
          if (batch.rows.length > 0) yield batch;
          if (batch.rows.length < size) break;
        }
      } catch (error) {
        throw describeQueryError(error, limits, { query, head: CURSOR_HEAD + BOUNDED_HEAD });
      } finally {
        await sql.end({ timeout: 0 }).catch(() => {});
      }
    },
    checkPrivileges: () => inReadOnly(target, limits, (sql) => checkPostgresPrivileges(sql)),
  };
}
