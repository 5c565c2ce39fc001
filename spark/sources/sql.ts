import type { VariableSpec } from "@/db/schema";
import type { Connections } from "../connections";
// From types.ts, not the connections' index: this module reaches client bundles (through the generator
// form's imports), and the index brings the PostgreSQL and MySQL drivers, which cannot be bundled there.
import { isConnectionError, type ReadBatch, type SourceConnection, type TextPosition } from "../connections/types";
import { normalizeValue } from "./variables";
import { SourceError, type SourceCandidate } from "./types";

const WRITE_WORDS = /\b(insert|update|delete|merge|create|drop|alter|truncate|grant|revoke|copy)\b/i;

/** The query with comments and the contents of string literals and quoted names blanked out. */
function codeOnly(query: string): string {
  return query
    .replace(/--[^\n]*/g, " ")
    .replace(/\/\*[\s\S]*?\*\//g, " ")
    .replace(/\$([A-Za-z_]*)\$[\s\S]*?\$\1\$/g, "''")
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/"(?:[^"]|"")*"/g, '""');
}

/**
 * Why a query cannot be a source, in words, before it runs. It is not what keeps a query in bounds:
 * the connection does that (one statement on the extended protocol, a read-only transaction, a
 * least-privileged user, a timeout); this only names the common mistakes before the database does.
 */
export function checkSqlText(query: string): string | null {
  const code = codeOnly(query).trim().replace(/;\s*$/, "");
  if (code === "") return "Write a SELECT whose first column is id.";
  if (code.includes(";")) return "Write a single statement: remove everything after the first ';'.";
  if (!/^(select|with)\b/i.test(code) && !/^\(\s*select\b/i.test(code))
    return "A source must be a SELECT (or WITH … SELECT); it only reads.";
  if (/\bfor\s+(update|share|no\s+key\s+update|key\s+share)\b/i.test(code))
    return "A source only reads: remove the FOR UPDATE/SHARE clause.";
  const write = code.match(WRITE_WORDS);
  if (write) return `A source only reads: remove ${write[1]!.toUpperCase()}.`;
  return null;
}

export function variablesOfBatch(batch: ReadBatch): Record<string, VariableSpec> {
  return Object.fromEntries(batch.columns.map((c) => [c.name, { type: c.type }]));
}

function candidateOf(
  row: Record<string, unknown>,
  batch: ReadBatch,
  variables: Record<string, VariableSpec>,
): SourceCandidate {
  const context: Record<string, unknown> = {};
  for (const { name } of batch.columns) context[name] = normalizeValue(row[name], variables[name]?.type ?? "string");
  return { id: String(context.id), context };
}

function checkIdColumn(batch: ReadBatch) {
  const columns = batch.columns;
  if (columns[0]?.name !== "id") {
    throw new SourceError(
      `The first column must be named id (it is ${columns[0] ? `'${columns[0].name}'` : "missing"}); write SELECT t.id, … so each row has a stable id.`,
    );
  }
  const names = columns.map((c) => c.name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice) throw new SourceError(`Two columns are named '${twice}'; give one of them another name with AS.`);
}

export type SqlTestResult =
  | { ok: true; variables: Record<string, VariableSpec>; rows: Record<string, unknown>[] }
  | { ok: false; message: string; at?: TextPosition };

const messageOf = (error: unknown) =>
  error instanceof SourceError || isConnectionError(error)
    ? error.message
    : `The query failed: ${error instanceof Error ? error.message : String(error)}`;

/** "Test query": the columns with their types and the first 20 rows (only those are read), or why the query cannot be a source. */
export async function testSqlSource(connection: SourceConnection, query: string): Promise<SqlTestResult> {
  const problem = checkSqlText(query);
  if (problem) return { ok: false, message: problem };
  try {
    const batch = await connection.head(query, 20);
    checkIdColumn(batch);
    const variables = variablesOfBatch(batch);
    return { ok: true, variables, rows: batch.rows.map((row) => candidateOf(row, batch, variables).context) };
  } catch (error) {
    // Where the server said the query failed, so the editor can put the cursor there.
    const at = isConnectionError(error) ? error.at : undefined;
    return { ok: false, message: messageOf(error), ...(at ? { at } : {}) };
  }
}

/** Reads a SQL source once, in batches, from one read-only transaction on its connection. */
export async function* streamSqlSource(
  connection: SourceConnection,
  query: string,
  { batchSize }: { batchSize: number },
): AsyncIterable<SourceCandidate[]> {
  const problem = checkSqlText(query);
  if (problem) throw new SourceError(problem);
  let variables: Record<string, VariableSpec> | null = null;
  try {
    for await (const batch of connection.stream(query, batchSize)) {
      if (variables === null) {
        checkIdColumn(batch);
        variables = variablesOfBatch(batch);
      }
      const vars = variables;
      yield batch.rows.map((row) => candidateOf(row, batch, vars));
    }
  } catch (error) {
    throw error instanceof SourceError ? error : new SourceError(messageOf(error));
  }
}

/** The connection a SQL source reads from, or a SourceError naming what is missing. */
export async function connectionOfSource(
  connections: Connections | undefined,
  connectionId: string | null,
): Promise<SourceConnection> {
  if (!connections) throw new SourceError("SQL sources need connections, and none were given to this pass.");
  if (!connectionId)
    throw new SourceError(
      "This source has no connection yet (it was written before connections); an admin must choose one under Sources.",
    );
  try {
    return await connections.open(connectionId);
  } catch (error) {
    throw new SourceError(messageOf(error));
  }
}
