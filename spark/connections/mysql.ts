import type { Connection as CallbackConnection } from "mysql2";
import type { Connection, FieldPacket, RowDataPacket } from "mysql2/promise";
import type { VariableType } from "@/db/schema";
import { takeSessionSlot } from "./session-slots";
import {
  asSubquery,
  connectFailure,
  ConnectionError,
  queryTimedOut,
  MAX_ROW_BYTES,
  rowBytes,
  rowTooLarge,
  type ReadBatch,
  type ReadLimits,
  type SourceConnection,
  type TextPosition,
} from "./types";

export type MysqlTarget = {
  host: string;
  port: number;
  database: string;
  username: string;
  password: string;
  ssl: boolean;
};

// What a source's user may hold. Anything else (a write, FILE, PROCESS, SUPER, a role, GRANT OPTION)
// would let an operator's query reach beyond reading the application's rows.
const ALLOWED_PRIVILEGES = new Set(["SELECT", "SHOW VIEW", "USAGE"]);
const CANCEL_GRACE_MS = 1_000;
const SYSTEM_SCHEMAS = new Set(["mysql", "sys", "performance_schema", "information_schema"]);

/**
 * MySQL-only ways to do more than read, named before the query runs: executable comments run their
 * text as SQL whatever a reader of the query sees, and LOCK IN SHARE MODE holds locks on the
 * application's rows even in a read-only transaction.
 */
export function mysqlTextProblem(query: string): string | null {
  if (/\/\*[M]?!/i.test(query))
    return "Executable comments (/*! … */) are not allowed in a source; write the SQL plainly.";
  const code = query
    .replace(/'(?:[^'\\]|\\.|'')*'/g, "''")
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/--[^\n]*|#[^\n]*/g, " ")
    .replace(/\/\*[\s\S]*?\*\//g, " ");
  if (/\block\s+in\s+share\s+mode\b|\bfor\s+(share|update)\b/i.test(code))
    return "A source only reads: remove the locking clause (LOCK IN SHARE MODE, FOR SHARE, FOR UPDATE).";
  return null;
}

// mysql2's column type codes, grouped by the variable type a condition compares them as.
const NUMBER_TYPES = new Set([0, 1, 2, 3, 4, 5, 8, 9, 13, 246]);
const TIMESTAMP_TYPES = new Set([7, 10, 11, 12, 14]);
const JSON_TYPES = new Set([245]);

function variableTypeOf(field: FieldPacket): VariableType {
  const code = field.columnType ?? field.type ?? -1;
  if (NUMBER_TYPES.has(code)) return "number";
  if (TIMESTAMP_TYPES.has(code)) return "timestamp";
  if (JSON_TYPES.has(code)) return "json";
  return "string";
}

async function openSession(target: MysqlTarget, limits: ReadLimits): Promise<Connection> {
  const release = await takeSessionSlot(
    `mysql://${target.username}@${target.host}:${target.port}/${target.database}`,
    limits.timeoutMs,
  );
  try {
    const connection = await connect(target, limits);
    const destroy = connection.destroy.bind(connection);
    // The slot is free again when the session ends, however the read ends.
    connection.destroy = () => {
      destroy();
      release();
    };
    return connection;
  } catch (error) {
    release();
    throw error;
  }
}

async function connect(target: MysqlTarget, { timeoutMs }: ReadLimits): Promise<Connection> {
  const mysql = await import("mysql2/promise");
  let connection: Connection;
  try {
    connection = await mysql.createConnection({
      host: target.host,
      port: target.port,
      user: target.username,
      password: target.password,
      database: target.database || undefined,
      ssl: target.ssl ? {} : undefined,
      // One statement per query, whatever the text: a second one is a syntax error, never run.
      multipleStatements: false,
      connectTimeout: 10_000,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: false,
      timezone: "Z",
    });
  } catch (error) {
    throw new ConnectionError(
      connectFailure(error, target, { login: ["ER_ACCESS_DENIED_ERROR"], noDatabase: ["ER_BAD_DB_ERROR"] }),
    );
  }
  try {
    const [rows] = await connection.query<RowDataPacket[]>("select version() as v");
    const mariadb = /mariadb/i.test(String(rows[0]?.v ?? ""));
    // MariaDB counts seconds, MySQL milliseconds (and only for SELECT, which is all a source may run).
    if (mariadb) await connection.query(`set session max_statement_time = ${Math.max(0.001, timeoutMs / 1000)}`);
    else await connection.query(`set session max_execution_time = ${Math.max(1, Math.floor(timeoutMs))}`);
    await connection.query("set session transaction read only");
    await connection.query("start transaction read only");
  } catch (error) {
    connection.destroy();
    throw new ConnectionError(`Cannot prepare a read-only session on ${target.host}: ${(error as Error).message}`);
  }
  return connection;
}

/**
 * Where a MySQL syntax error points in the operator's text. MySQL names the line of the statement it
 * received and quotes the text from the error on ("near '…' at line N"); Spark's wrapping adds no line
 * before the query, so only the trimmed leading lines are put back, and the column is where the quote
 * starts on that line (its end when the quote is empty: the query stopped too soon).
 */
export function mysqlErrorPosition(query: string, message: string): TextPosition | null {
  const match = /near '([\s\S]*)' at line (\d+)/.exec(message);
  if (!match) return null;
  const leading = query.slice(0, query.length - query.trimStart().length);
  const body = query.trim().replace(/;\s*$/, "");
  const lines = body.split("\n");
  const reported = Number(match[2]) - 1;
  if (reported < 0) return null;
  const near = match[1]!.split("\n")[0]!;
  // MariaDB names the line the parser had reached, which can be past the quoted text (even past the
  // operator's last line, into Spark's wrapping): the quote starts on the nearest line at or above it.
  let at = Math.min(reported, lines.length - 1);
  if (near !== "") {
    for (let line = at; line >= Math.max(0, at - 3); line--)
      if (lines[line]!.includes(near)) {
        at = line;
        break;
      }
  }
  if (reported >= lines.length && !(near !== "" && lines[at]!.includes(near))) return null;
  const lineText = lines[at]!;
  const index = near === "" ? -1 : lineText.indexOf(near);
  // The first line starts after the leading whitespace on its own line; later lines start at column 1.
  const startColumn = at === 0 ? Array.from(leading.slice(leading.lastIndexOf("\n") + 1)).length + 1 : 1;
  const column = startColumn + Array.from(index >= 0 ? lineText.slice(0, index) : lineText).length;
  return { line: at + 1 + (leading.match(/\n/g)?.length ?? 0), column };
}

function describeQueryError(error: unknown, { timeoutMs }: ReadLimits, query?: string): ConnectionError {
  if (error instanceof ConnectionError) return error;
  const e = error as { code?: string; errno?: number; message?: string };
  // 3024: MySQL's max_execution_time; 1969: MariaDB's max_statement_time; 1317: KILL QUERY from here.
  if (e.errno === 3024 || e.errno === 1969 || e.errno === 1317) {
    return queryTimedOut(timeoutMs);
  }
  if (e.errno === 1792) return new ConnectionError("A source only reads, and this query tried to write.");
  if (e.code === "ER_PARSE_ERROR" && query !== undefined) {
    const at = mysqlErrorPosition(query, e.message ?? "");
    if (at)
      return new ConnectionError(
        `The query failed: ${(e.message ?? "").replace(/ at line \d+$/, "")} (line ${at.line}, column ${at.column}).`,
        at,
      );
  }
  // "…in your SQL syntax; check the manual…" is in every parse error: only a ';' in the quoted text
  // means a second statement.
  if (e.code === "ER_PARSE_ERROR" && /near '[^']*;/.test(e.message ?? ""))
    return new ConnectionError(`The query failed: ${e.message}. Write a single statement.`);
  return new ConnectionError(`The query failed: ${(e.message ?? String(error)).split("\n")[0]}`);
}

/** A statement the server does not stop in time is killed from a second session of the same user. */
async function bounded<T>(
  target: MysqlTarget,
  connection: Connection,
  limits: ReadLimits,
  run: () => Promise<T>,
): Promise<T> {
  const timer = setTimeout(() => {
    void (async () => {
      const mysql = await import("mysql2/promise");
      const killer = await mysql.createConnection({
        host: target.host,
        port: target.port,
        user: target.username,
        password: target.password,
        connectTimeout: 5_000,
      });
      try {
        await killer.query(`kill query ${Number(connection.threadId)}`);
      } finally {
        killer.destroy();
      }
    })().catch(() => {});
  }, limits.timeoutMs + CANCEL_GRACE_MS);
  try {
    return await run();
  } finally {
    clearTimeout(timer);
  }
}

const batchOf = (rows: RowDataPacket[], fields: FieldPacket[]): ReadBatch => ({
  columns: fields.map((f) => ({ name: f.name, type: variableTypeOf(f) })),
  rows: rows.map((row) => ({ ...row })),
});

/** Privileges from SHOW GRANTS, judged against what reading needs; an empty list when the user is fit. */
export function judgeMysqlGrants(grants: string[]): string[] {
  const problems: string[] = [];
  for (const grant of grants) {
    const match = /^GRANT (.+?) ON (.+?) TO /i.exec(grant);
    if (!match) {
      problems.push(
        `The user holds a role or proxy grant (${grant.replace(/ IDENTIFIED BY .*$/i, "").slice(0, 120)}); grant SELECT directly instead.`,
      );
      continue;
    }
    // Column lists in parentheses hold commas of their own.
    const privileges = match[1]!
      .replace(/\([^)]*\)/g, "")
      .split(",")
      .map((p) => p.trim().toUpperCase());
    const extra = privileges.filter((p) => !ALLOWED_PRIVILEGES.has(p));
    const on = match[2]!.replace(/`/g, "").trim();
    const schema = on.split(".")[0]!.toLowerCase();
    // USAGE ON *.* is every account's "no privileges" line; anything more on every schema, or on the
    // server's own schemas, reaches mysql.user's password hashes and the server's internals.
    const readsEverything = on === "*.*" && privileges.some((p) => p !== "USAGE");
    if (readsEverything)
      problems.push(
        `The user holds ${privileges.join(", ")} ON *.* (every schema, mysql.user included); grant SELECT ON <application schema>.* only.`,
      );
    else if (SYSTEM_SCHEMAS.has(schema))
      problems.push(
        `The user holds ${privileges.join(", ")} ON ${on}, a schema of the server itself; grant SELECT on the application's schema only.`,
      );
    if (extra.length > 0)
      problems.push(
        `The user holds ${extra.join(", ")} ON ${match[2]}; a source's user needs SELECT only (REVOKE ${extra.join(", ")} ON ${match[2]} FROM it).`,
      );
    if (/WITH GRANT OPTION/i.test(grant))
      problems.push(`The user may grant privileges ON ${match[2]}; REVOKE GRANT OPTION.`);
  }
  return problems;
}

async function checkGrants(connection: Connection): Promise<string[]> {
  const [rows] = await connection.query<RowDataPacket[]>("show grants for current_user()");
  const grants = rows.map((row) => String(Object.values(row)[0]));
  // MariaDB's grants to PUBLIC apply to every account but are not among its own.
  try {
    const [publicRows] = await connection.query<RowDataPacket[]>("show grants for public");
    grants.push(
      ...publicRows.map((row) => String(Object.values(row)[0])).filter((g) => !/^GRANT USAGE ON \*\.\* TO/i.test(g)),
    );
  } catch {
    // MySQL has no PUBLIC, and a server without it grants nothing that way.
  }
  return judgeMysqlGrants(grants);
}

/** Streams a statement's rows with backpressure, failing on a row over the size limit before it piles up. */
async function* streamRows(connection: Connection, text: string, size: number): AsyncIterable<ReadBatch> {
  const running = (connection as unknown as { connection: CallbackConnection }).connection.query(text);
  let fields: FieldPacket[] = [];
  running.on("fields", (f: FieldPacket[]) => (fields = f));
  const stream = running.stream({ objectMode: true, highWaterMark: size });
  let rows: RowDataPacket[] = [];
  for await (const row of stream as AsyncIterable<RowDataPacket>) {
    if (rowBytes(row) > MAX_ROW_BYTES) {
      connection.destroy();
      throw rowTooLarge();
    }
    rows.push(row);
    if (rows.length >= size) {
      yield batchOf(rows, fields);
      rows = [];
    }
  }
  if (rows.length > 0 || fields.length > 0) yield batchOf(rows, fields);
}

export function mysqlConnection(name: string, target: MysqlTarget, limits: ReadLimits): SourceConnection {
  async function guarded<T>(fn: (connection: Connection) => Promise<T>, query?: string): Promise<T> {
    const connection = await openSession(target, limits);
    try {
      const problems = await checkGrants(connection);
      if (problems.length > 0) throw new ConnectionError(`The connection ${name} is refused: ${problems[0]}`);
      return await fn(connection);
    } catch (error) {
      throw describeQueryError(error, limits, query);
    } finally {
      // A session per read: nothing a query sets survives it.
      connection.destroy();
    }
  }
  return {
    kind: "mysql",
    name,
    head: (query, limit) =>
      guarded(async (c) => {
        const problem = mysqlTextProblem(query);
        if (problem) throw new ConnectionError(problem);
        const size = Math.max(1, Math.floor(limit));
        return bounded(target, c, limits, async () => {
          let head: ReadBatch = { columns: [], rows: [] };
          for await (const batch of streamRows(c, `${asSubquery(query)} limit ${size}`, size))
            head = { columns: batch.columns, rows: [...head.rows, ...batch.rows] };
          return head;
        });
      }, query),
    query: (text, params) =>
      guarded(async (c) => {
        const [rows, fields] = await bounded(target, c, limits, () =>
          c.execute<RowDataPacket[]>(text, params as never[]),
        );
        return batchOf(rows, fields);
      }),
    async *stream(query, batchSize) {
      const connection = await openSession(target, limits);
      try {
        const problems = await checkGrants(connection);
        if (problems.length > 0) throw new ConnectionError(`The connection ${name} is refused: ${problems[0]}`);
        const problem = mysqlTextProblem(query);
        if (problem) throw new ConnectionError(problem);
        const size = Math.max(1, Math.floor(batchSize));
        // The whole read is one statement here (MySQL has no cursor a client can page), so the timeout
        // bounds the read; rows arrive as a stream with backpressure, never all at once.
        const timer = setTimeout(() => void connection.destroy(), limits.timeoutMs + CANCEL_GRACE_MS);
        try {
          for await (const batch of streamRows(connection, asSubquery(query), size))
            if (batch.rows.length > 0) yield batch;
        } finally {
          clearTimeout(timer);
        }
      } catch (error) {
        throw describeQueryError(error, limits, query);
      } finally {
        connection.destroy();
      }
    },
    checkPrivileges: async () => {
      const connection = await openSession(target, limits);
      try {
        return await checkGrants(connection);
      } finally {
        connection.destroy();
      }
    },
  };
}
