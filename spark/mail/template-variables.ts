import { findEventById, listRecentEventsByGroupPattern } from "@/db/queries/events";
import type { Deps } from "../deps";
import { listGenerators } from "@/db/queries/generators";
import { findSqlSourceById } from "@/db/queries/sql-sources";
import type { FieldVariable } from "@/emails/render";
import { compileGroupPattern } from "./group-pattern";

/** What one event group's contexts hold: paths that are plain objects (walked into) and paths that are values. */
type GroupVariables = { group: string; objects: Set<string>; leaves: Set<string> };

const RECENT_EVENTS = 20;
const MAX_DEPTH = 4;

function addContext(into: GroupVariables, value: Record<string, unknown>, prefix = "", depth = 0) {
  for (const [key, v] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (v && typeof v === "object" && !Array.isArray(v) && depth < MAX_DEPTH) {
      into.objects.add(path);
      addContext(into, v as Record<string, unknown>, path, depth + 1);
    } else into.leaves.add(path);
  }
}

async function sourceVariables(deps: Pick<Deps, "db" | "sources">, ref: string): Promise<string[]> {
  const [kind, name] = [ref.slice(0, ref.indexOf(":")), ref.slice(ref.indexOf(":") + 1)];
  if (kind === "code") return Object.keys(deps.sources.find((s) => s.name === name)?.variables ?? {});
  if (kind === "sql" && /^[0-9a-f-]{36}$/i.test(name))
    return Object.keys((await findSqlSourceById(deps.db, { id: name }))?.variables ?? {});
  return [];
}

/**
 * The variables each group a template answers has: those of the sources whose generators feed it,
 * and those of the events already recorded for it (which also show what is inside a JSON variable).
 */
export async function variablesOfGroups(
  deps: Pick<Deps, "db" | "sources">,
  pattern: string,
): Promise<GroupVariables[]> {
  const matches = compileGroupPattern(pattern);
  const groups = new Map<string, GroupVariables>();
  const groupOf = (group: string) => {
    let g = groups.get(group);
    if (!g) groups.set(group, (g = { group, objects: new Set(), leaves: new Set() }));
    return g;
  };
  const recent = await listRecentEventsByGroupPattern(deps.db, { pattern, limit: RECENT_EVENTS });
  for (const { id } of recent) {
    const event = await findEventById(deps.db, { id });
    if (event) addContext(groupOf(event.group), event.context);
  }
  for (const generator of await listGenerators(deps.db)) {
    if (!matches(generator.group)) continue;
    const g = groupOf(generator.group);
    for (const name of await sourceVariables(deps, generator.source)) if (!g.objects.has(name)) g.leaves.add(name);
  }
  return [...groups.values()];
}

function isKnown(g: GroupVariables, path: string[]): boolean {
  for (let k = 1; k <= path.length; k++) {
    const prefix = path.slice(0, k).join(".");
    // Past a value (a string's size, a list's first item) or into JSON the events never showed: not checked.
    if (g.leaves.has(prefix)) return true;
    if (!g.objects.has(prefix)) return false;
  }
  return true;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** The group's variables, the likeliest meant first: a typo's fix should not hide behind the "…". */
const listed = (g: GroupVariables, path: string) => {
  const last = (name: string) => name.slice(name.lastIndexOf(".") + 1);
  const near = (name: string) => Math.min(distance(name, path), distance(last(name), last(path)));
  const names = [...g.leaves, ...g.objects].sort(
    (a, b) => Math.min(near(a), 3) - Math.min(near(b), 3) || a.localeCompare(b),
  );
  return names.length > 12 ? `${names.slice(0, 12).join(", ")}, …` : names.join(", ");
};

/**
 * A message per unknown variable, keyed by the field that uses it ("`challenge.titel` is not a
 * variable of challenge_ends_2d; it has …"), each variable named once per field. Nothing when no
 * generator feeds the group and no event was recorded for it: there is nothing to check against.
 */
export function unknownVariables(used: FieldVariable[], groups: GroupVariables[]): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  const named = new Set<string>();
  for (const v of used) {
    const path = v.path.join(".");
    const lacking = groups.find((g) => !isKnown(g, v.path));
    if (!lacking || named.has(`${v.field}\u0000${path}`)) continue;
    named.add(`${v.field}\u0000${path}`);
    const has = listed(lacking, path);
    (errors[v.field] ??= []).push(
      `\`${path}\` is not a variable of ${lacking.group}; ${has ? `it has ${has}` : "its events have no variables"} (line ${v.line}, column ${v.column})`,
    );
  }
  return errors;
}
