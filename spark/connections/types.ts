import type { ConnectionKind, VariableType } from "@/db/schema";

export type ReadColumn = { name: string; type: VariableType };
export type ReadBatch = { columns: ReadColumn[]; rows: Record<string, unknown>[] };

/** What a read may cost: a statement (each fetch of a stream) longer than this is stopped. */
export type ReadLimits = { timeoutMs: number };
export const defaultReadLimits: ReadLimits = { timeoutMs: 10_000 };

/**
 * A connection Spark reads operators' SQL from. Every read opens its own session in a read-only
 * transaction under the connection's least-privileged user, sends one statement through the extended
 * protocol (a second statement cannot be written, whatever the text says) and ends the session, so
 * nothing a query sets outlives it.
 */
export interface SourceConnection {
  readonly kind: ConnectionKind;
  readonly name: string;
  /** The first `limit` rows of a SELECT: what "Test query" and previews show. */
  head(query: string, limit: number): Promise<ReadBatch>;
  /** Every row of a SELECT in batches, from one transaction: a pass reads a source once. */
  stream(query: string, batchSize: number): AsyncIterable<ReadBatch>;
  /** A parameterized statement from a code source (trusted code), under the same limits. */
  query(text: string, params: unknown[]): Promise<ReadBatch>;
  /** What makes the user unfit for operators' SQL, in words that say what to change; empty when fit. */
  checkPrivileges(): Promise<string[]>;
}

/** A line and column of the operator's query text, both counted from 1, columns in characters. */
export type TextPosition = { line: number; column: number };

/** A read the connection refused or stopped, in words an operator can act on; `at` when the server said where. */
export class ConnectionError extends Error {
  override name = "ConnectionError";
  readonly at?: TextPosition;
  constructor(message: string, at?: TextPosition) {
    super(message);
    if (at) this.at = at;
  }
}

/**
 * Whether `error` is a ConnectionError. By name rather than `instanceof`: the server bundles the engine
 * that makes the error and the server action that reads it separately, each with its own class.
 */
export const isConnectionError = (error: unknown): error is ConnectionError =>
  error instanceof Error && error.name === "ConnectionError";

/**
 * Where in the operator's text a server's error position falls. PostgreSQL (and the sample database)
 * report a 1-based offset in characters into the statement they received, which is Spark's wrapping
 * (`head`, then the trimmed query) rather than what the operator typed: the head is taken off and the
 * trimmed leading whitespace put back. A position past the query's end (an unfinished query, reported
 * at Spark's closing parenthesis) is its end; one inside the head is no place of the operator's: null.
 */
export function positionInQuery(query: string, head: string, position: number): TextPosition | null {
  if (!Number.isFinite(position) || position < 1) return null;
  // Characters, not UTF-16 units: the server counts an emoji as one.
  const chars = Array.from(query);
  const lead = Array.from(query.slice(0, query.length - query.trimStart().length)).length;
  const bodyLength = Array.from(bodyOf(query)).length;
  const inBody = Math.floor(position) - 1 - Array.from(head).length;
  if (inBody < 0) return null;
  const offset = lead + Math.min(inBody, bodyLength);
  let line = 1;
  let column = 1;
  for (let i = 0; i < offset && i < chars.length; i++) {
    if (chars[i] === "\n") {
      line++;
      column = 1;
    } else column++;
  }
  return { line, column };
}

/** The server's error, said at the place it points to when it gave one. */
export function locatedError(message: string, query: string, head: string, position: unknown): ConnectionError {
  const at = position === undefined || position === null ? null : positionInQuery(query, head, Number(position));
  if (!at) return new ConnectionError(`The query failed: ${message}`);
  return new ConnectionError(`The query failed: ${message} (line ${at.line}, column ${at.column}).`, at);
}

/** The operator's text as it goes inside Spark's wrapping: trimmed, without a final ';'. */
const bodyOf = (query: string) => query.trim().replace(/;\s*$/, "");

// What Spark sends before the operator's text: the server's error positions count these characters too.
export const SUBQUERY_HEAD = "select * from (";
export const BOUNDED_HEAD = "select spark_source.* from (";
export const CURSOR_HEAD = "declare spark_cursor no scroll cursor for ";

/** SQL text wrapped so it is a subquery: the query's own ORDER BY stays, and nothing can follow it. */
export const asSubquery = (query: string) => `${SUBQUERY_HEAD}${bodyOf(query)}\n) as spark_source`;

/**
 * A row's variables become an event's context, so a row has a size limit: far above any real context,
 * far below what would let one query fill the server's memory (a batch holds at most this × its rows).
 */
export const MAX_ROW_BYTES = 64 * 1024;
const ROW_TOO_LARGE = "spark: a row is larger than the limit";
export const rowTooLarge = () =>
  new ConnectionError(
    `A row is larger than ${MAX_ROW_BYTES / 1024} KiB; select fewer or narrower columns (each row's columns become an event's context).`,
  );

/**
 * The same, with the row size checked by PostgreSQL (and the sample database) as rows are produced, so
 * an oversized row fails on the server instead of reaching Spark's memory. The failing cast names the
 * row, or the planner would fold it (and fail) before any row exists.
 */
export const asBoundedSubquery = (query: string) =>
  `${BOUNDED_HEAD}${bodyOf(query)}\n) as spark_source where (case when pg_column_size(spark_source.*) > ${MAX_ROW_BYTES} then cast(left(spark_source::text, 0) || '${ROW_TOO_LARGE}' as integer) else 1 end) = 1`;

export const isRowTooLarge = (error: unknown) =>
  String((error as { message?: unknown })?.message ?? "").includes(ROW_TOO_LARGE);

/** Roughly the bytes a row holds, for drivers where the database cannot check it. */
export function rowBytes(row: Record<string, unknown>): number {
  let bytes = 0;
  for (const value of Object.values(row)) {
    if (typeof value === "string") bytes += value.length;
    else if (value instanceof Uint8Array) bytes += value.byteLength;
    else if (value !== null && typeof value === "object" && !(value instanceof Date))
      bytes += JSON.stringify(value)?.length ?? 0;
    else bytes += 8;
  }
  return bytes;
}

export const queryTimedOut = (timeoutMs: number) =>
  new ConnectionError(
    `The query ran longer than ${timeoutMs / 1000} s and was stopped; make it cheaper (an index, a narrower WHERE).`,
  );

export type ConnectTarget = { host: string; port: number; database: string; username: string };

/**
 * Why a connection could not be opened, in the same words for every driver; each driver only says
 * which of these its error code means (the login codes and the missing-database code differ).
 */
export function connectFailure(
  error: unknown,
  target: ConnectTarget,
  codes: { login: string[]; noDatabase: string[] },
): string {
  const e = error as { code?: string; message?: string };
  const where = `${target.host}:${target.port}/${target.database}`;
  const code = e.code ?? "";
  if (code === "ECONNREFUSED") return `Nothing answers at ${where}; check the host and port.`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `The host ${target.host} does not resolve; check its name.`;
  if (code === "CONNECT_TIMEOUT" || code === "ETIMEDOUT")
    return `Connecting to ${where} timed out; check the host, port and firewall.`;
  if (codes.login.includes(code))
    return `The server refused user ${target.username}: check the user name and password.`;
  if (codes.noDatabase.includes(code)) return `There is no database ${target.database} on ${target.host}.`;
  return `Cannot connect to ${where}: ${(e.message ?? String(error)).split("\n")[0]}`;
}

/** Where a PostgreSQL or MySQL connection reads, password included. */
export type ConnectionTarget = {
  kind: "postgres" | "mysql";
  host: string;
  port: number;
  database: string;
  username: string;
  password: string;
  ssl: boolean;
};

/** A connection declared as SPARK_CONNECTION_<NAME>=postgres://… or mysql://…. */
export type EnvConnection = ConnectionTarget & { name: string };
