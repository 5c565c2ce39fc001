import type { KeysetCursor } from "@/db/keyset";
import { GROUP_PATTERN } from "@/spark/mail/group-pattern";

/** A list page's URL parameters, as Next hands them over. */
export type Params = Record<string, string | string[] | undefined>;

/** A filter the page dropped because it made no sense, and what to type instead. */
export type IgnoredFilter = { name: string; message: string };

export type PageCursor = KeysetCursor;

export const first = (value: string | string[] | undefined) =>
  (Array.isArray(value) ? value[0] : value)?.trim() || undefined;

/** A name a form action put in the URL on its way back ("saved", "deleted"), for the notice that confirms it. */
export function flashParam(params: Params, name: string): string | null {
  const value = params[name];
  return typeof value === "string" ? value : null;
}

/** `before` pages to older rows, `after` back to newer ones; a damaged cursor is named and dropped. */
export function parsePageCursor(params: Params, ignored: IgnoredFilter[]): PageCursor {
  for (const name of ["before", "after"] as const) {
    const cursor = first(params[name]);
    if (cursor === undefined) continue;
    if (/^\d{1,15}$/.test(cursor)) return name === "before" ? { before: Number(cursor) } : { after: Number(cursor) };
    ignored.push({ name, message: "The page link was damaged; showing the newest rows." });
  }
  return null;
}

/** "2026-11-02" is that day at 00:00 UTC; a date-time without a zone is read as UTC too. */
export function parseTimeFilter(text: string): Date | null {
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text)
    ? `${text}T00:00:00Z`
    : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)
      ? `${text}Z`
      : text;
  if (!/^\d{4}-\d{2}-\d{2}T/.test(iso)) return null;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  // JavaScript rolls 2026-02-31 over to March 3rd; a day that does not exist is a typo, not a date.
  const [year, month, day] = text.slice(0, 10).split("-").map(Number);
  const zoned = iso.length > 10 && /[+-]\d{2}:?\d{2}$/.test(iso);
  if (!zoned && (date.getUTCFullYear() !== year || date.getUTCMonth() + 1 !== month || date.getUTCDate() !== day))
    return null;
  return date;
}

/** A value from a fixed list, such as a status; anything else is named and dropped. */
export function parseChoice<T extends string>(
  params: Params,
  name: string,
  allowed: readonly T[],
  ignored: IgnoredFilter[],
): T | undefined {
  const value = first(params[name]);
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  ignored.push({ name, message: `'${value}' is not one of ${allowed.join(", ")}.` });
  return undefined;
}

/** The `from` and `to` of a log's time range; a bad date, or a range that ends before it starts, is named and dropped. */
export function parseTimeRange(params: Params, ignored: IgnoredFilter[]): { from?: Date; to?: Date } {
  const range: { from?: Date; to?: Date } = {};
  for (const name of ["from", "to"] as const) {
    const text = first(params[name]);
    if (text === undefined) continue;
    const date = parseTimeFilter(text);
    if (date) range[name] = date;
    else ignored.push({ name, message: `'${text}' is not a date; use 2026-11-02 or 2026-11-02T14:30 (UTC).` });
  }
  if (range.from && range.to && range.from > range.to) {
    ignored.push({ name: "to", message: "The end of the range is before its start." });
    delete range.to;
  }
  return range;
}

/** An exact event group, as generators name them. */
export function parseGroupFilter(params: Params, ignored: IgnoredFilter[]): string | undefined {
  const group = first(params.group);
  if (group === undefined) return undefined;
  if (GROUP_PATTERN.test(group)) return group;
  ignored.push({ name: "group", message: "A group has 1–100 letters, digits, underscores, dots, colons and hyphens." });
  return undefined;
}

/** The time range as URL parameters, in the form the range inputs show. */
export function setTimeRangeParams(params: URLSearchParams, { from, to }: { from?: Date; to?: Date }) {
  if (from) params.set("from", from.toISOString().slice(0, 16));
  if (to) params.set("to", to.toISOString().slice(0, 16));
}
