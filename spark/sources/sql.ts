import type { Database, RawColumn, RawQuery } from "@/db/client";
import type { VariableSpec } from "@/db/schema";
import { normalizeValue, variablesOfColumns } from "../variables";
import { SourceError, type SourceCandidate } from "./types";

export type SqlLimits = { timeoutMs: number; maxPgliteCost: number };
export const defaultSqlLimits: SqlLimits = { timeoutMs: 10_000, maxPgliteCost: 500_000 };

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
 * Why a query cannot be a source, before it runs: anything but one SELECT. Postgres has the last
 * word (the query runs READ ONLY, inside a subquery where DML cannot appear); this is what names the
 * problem in words an operator can act on.
 */
export function checkSqlText(query: string, driver: Database["driver"]): string | null {
  const code = codeOnly(query).trim().replace(/;\s*$/, "");
  if (code === "") return "Write a SELECT whose first column is id.";
  if (code.includes(";")) return "Write a single statement: remove everything after the first ';'.";
  if (!/^(select|with)\b/i.test(code) && !/^\(\s*select\b/i.test(code)) return "A source must be a SELECT (or WITH … SELECT); it only reads.";
  if (/\bfor\s+(update|share|no\s+key\s+update|key\s+share)\b/i.test(code)) return "A source only reads: remove the FOR UPDATE/SHARE clause.";
  const write = code.match(WRITE_WORDS);
  if (write) return `A source only reads: remove ${write[1]!.toUpperCase()}.`;
  if (driver === "pglite") {
    if (/\bwith\s+recursive\b/i.test(code)) return "The embedded database cannot interrupt a query, so it refuses WITH RECURSIVE; use PostgreSQL (DATABASE_URL) for this source.";
    if (/\bpg_sleep(_for|_until)?\b/i.test(code)) return "The embedded database cannot interrupt a query, so it refuses pg_sleep.";
  }
  return null;
}

function stripTrailingSemicolon(query: string) {
  return query.trim().replace(/;\s*$/, "");
}

function describePgError(error: unknown, limits: SqlLimits): string {
  const e = error as { code?: string; message?: string; position?: string | number };
  if (e.code === "57014") return `The query ran longer than ${limits.timeoutMs / 1000} s and was stopped; make it cheaper (an index, a narrower WHERE).`;
  if (e.code === "25006") return "A source only reads, and this query tried to write.";
  const message = (e.message ?? String(error)).split("\n")[0]!;
  return `The query failed: ${message}`;
}

async function checkCost(query: RawQuery, text: string, driver: Database["driver"], limits: SqlLimits) {
  if (driver !== "pglite") return;
  const plan = await query(`explain (format json) ${text}`);
  const raw = plan.rows[0]?.["QUERY PLAN"];
  const parsed = (typeof raw === "string" ? JSON.parse(raw) : raw) as { Plan: { "Total Cost": number } }[];
  const cost = parsed[0]?.Plan["Total Cost"] ?? 0;
  if (cost > limits.maxPgliteCost) {
    throw new SourceError(
      `The query's estimated cost (${Math.round(cost).toLocaleString("en")}) is above what the embedded database will run (${limits.maxPgliteCost.toLocaleString("en")}), because it cannot stop a query once started; narrow it, or use PostgreSQL.`,
    );
  }
}

function candidateOf(row: Record<string, unknown>, columns: RawColumn[], variables: Record<string, VariableSpec>): SourceCandidate {
  const context: Record<string, unknown> = {};
  for (const { name } of columns) context[name] = normalizeValue(row[name], variables[name]!.type);
  return { id: String(context.id), context };
}

function checkIdColumn(columns: RawColumn[]) {
  if (columns[0]?.name !== "id") {
    throw new SourceError(`The first column must be named id (it is ${columns[0] ? `'${columns[0].name}'` : "missing"}); write SELECT t.id, … so each row has a stable id.`);
  }
  const names = columns.map((c) => c.name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice) throw new SourceError(`Two columns are named '${twice}'; give one of them another name with AS.`);
}

export type SqlTestResult = { ok: true; variables: Record<string, VariableSpec>; rows: Record<string, unknown>[] } | { ok: false; message: string };

/** "Test query": the columns with their types and the first 20 rows, or why the query cannot be a source. */
export async function testSqlSource(database: Database, query: string, limits: SqlLimits = defaultSqlLimits): Promise<SqlTestResult> {
  const problem = checkSqlText(query, database.driver);
  if (problem) return { ok: false, message: problem };
  const text = stripTrailingSemicolon(query);
  try {
    return await database.readOnly(limits.timeoutMs, async (run) => {
      const probe = `select * from (${text}\n) as spark_source`;
      await checkCost(run, probe, database.driver, limits);
      checkIdColumn((await run(`${probe} limit 0`)).columns);
      const result = await run(`${probe} order by spark_source.id limit 20`);
      const variables = variablesOfColumns(result.columns);
      return { ok: true as const, variables, rows: result.rows.map((row) => candidateOf(row, result.columns, variables).context) };
    });
  } catch (error) {
    return { ok: false, message: error instanceof SourceError ? error.message : describePgError(error, limits) };
  }
}

/** Streams a SQL source in pages by keyset on id, each page its own READ ONLY transaction. */
export async function* pageSqlSource(
  database: Database,
  query: string,
  { pageSize, limits = defaultSqlLimits }: { pageSize: number; limits?: SqlLimits },
): AsyncIterable<SourceCandidate[]> {
  const problem = checkSqlText(query, database.driver);
  if (problem) throw new SourceError(problem);
  const text = `select * from (${stripTrailingSemicolon(query)}\n) as spark_source`;
  let last: unknown = undefined;
  let variables: Record<string, VariableSpec> | null = null;
  for (;;) {
    let page: SourceCandidate[];
    let lastRaw: unknown;
    try {
      const result = await database.readOnly(limits.timeoutMs, async (run) => {
        if (variables === null) {
          await checkCost(run, text, database.driver, limits);
          // Columns first: ordering by a missing id would fail with Postgres' words, not ours.
          checkIdColumn((await run(`${text} limit 0`)).columns);
        }
        return last === undefined
          ? run(`${text} order by spark_source.id limit ${pageSize}`)
          : run(`${text} where spark_source.id > $1 order by spark_source.id limit ${pageSize}`, [last]);
      });
      variables ??= variablesOfColumns(result.columns);
      const vars = variables;
      page = result.rows.map((row) => candidateOf(row, result.columns, vars));
      lastRaw = result.rows.at(-1)?.id;
    } catch (error) {
      throw error instanceof SourceError ? error : new SourceError(describePgError(error, limits));
    }
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    last = lastRaw instanceof Date ? lastRaw.toISOString() : typeof lastRaw === "bigint" ? lastRaw.toString() : lastRaw;
  }
}
