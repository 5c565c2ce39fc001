import type { KeysetCursor } from "@/db/keyset";

/** A list page's URL parameters, as Next hands them over. */
export type Params = Record<string, string | string[] | undefined>;

/** A filter the page dropped because it made no sense, and what to type instead. */
export type IgnoredFilter = { name: string; message: string };

export type PageCursor = KeysetCursor;

export const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value)?.trim() || undefined;

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
