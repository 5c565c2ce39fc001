import type { Db } from "@/db/client";
import { findSqlSourceById } from "@/db/queries/sql-sources";
import type { CodeSource } from "@/spark/sources/types";

/**
 * Events' contexts are stored as jsonb, which keeps its keys in its own order (shortest first), not the
 * source's. These put them back in the order the source gives its variables, so an event's context
 * reads like the query or code that made it.
 */

/** `context` with its keys in `order` first, then any others as they were. */
export function orderContext(context: Record<string, unknown>, order: readonly string[]): Record<string, unknown> {
  const ordered: Record<string, unknown> = {};
  for (const key of order) if (Object.hasOwn(context, key)) ordered[key] = context[key];
  for (const [key, value] of Object.entries(context)) if (!Object.hasOwn(ordered, key)) ordered[key] = value;
  return ordered;
}

/**
 * The output column names of a SELECT's select list, in order: `x as name`, or the last name of an
 * expression (`c.title` is title), unquoted names folded to lower case as PostgreSQL does. The list
 * stops at the first item whose name the text does not give (`*`, an unnamed expression), since the
 * columns after it cannot be placed. A SQL source's columns are its variables, so this is their order.
 */
export function selectListNames(query: string): string[] {
  const items = topLevelSelectList(query);
  const names: string[] = [];
  for (const [i, raw] of items.entries()) {
    let item = raw.trim();
    if (i === 0) item = item.replace(/^(distinct(\s+on\s*\([^)]*\))?|all)\s+/i, "");
    const match = /(?:^|[\s.)])("(?:[^"]|"")+"|[A-Za-z_][\w$]*)\s*$/.exec(item);
    if (!match || item.endsWith("*")) break;
    const name = match[1]!;
    names.push(name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name.toLowerCase());
  }
  return names;
}

/** The text between the outermost SELECT and its FROM, split at its own commas. */
function topLevelSelectList(query: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = -1;
  let i = 0;
  const word = (at: number, w: string) =>
    query.slice(at, at + w.length).toLowerCase() === w &&
    !/[\w$]/.test(query[at - 1] ?? " ") &&
    !/[\w$]/.test(query[at + w.length] ?? " ");
  while (i < query.length) {
    const c = query[i]!;
    if (c === "'" || c === '"') {
      const end = query.indexOf(c, i + 1);
      i = end < 0 ? query.length : end + 1;
      continue;
    }
    if (c === "-" && query[i + 1] === "-") {
      const end = query.indexOf("\n", i);
      i = end < 0 ? query.length : end;
      continue;
    }
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (depth === 0 && start < 0 && word(i, "select")) {
      start = i + "select".length;
      i = start;
      continue;
    } else if (depth === 0 && start >= 0 && (c === "," || word(i, "from"))) {
      items.push(query.slice(start, i));
      if (c !== ",") return items;
      start = i + 1;
    }
    i++;
  }
  if (start >= 0) items.push(query.slice(start));
  return items;
}

/** The order of a source's variables: a code source's as declared, a SQL source's as its query selects them. */
export async function variableOrderOf(
  db: Db,
  { source, sources }: { source: string | null; sources: readonly CodeSource[] },
): Promise<string[]> {
  if (!source) return [];
  const [kind, name] = [source.slice(0, source.indexOf(":")), source.slice(source.indexOf(":") + 1)];
  if (kind === "code") return Object.keys(sources.find((s) => s.name === name)?.variables ?? {});
  if (kind !== "sql" || !/^[0-9a-f-]{36}$/i.test(name)) return [];
  const row = await findSqlSourceById(db, { id: name });
  return row ? [...selectListNames(row.query), ...Object.keys(row.variables)] : [];
}
