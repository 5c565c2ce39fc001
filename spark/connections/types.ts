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

/** A read the connection refused or stopped, in words an operator can act on. */
export class ConnectionError extends Error {
  override name = "ConnectionError";
}

/** SQL text wrapped so it is a subquery: the query's own ORDER BY stays, and nothing can follow it. */
export const asSubquery = (query: string) => `select * from (${query.trim().replace(/;\s*$/, "")}\n) as spark_source`;
