import { z } from "zod";
import { findUserById } from "@/db/queries/users";
import type { Deps } from "./deps";

/**
 * The version an edit form was loaded at, posted back in a hidden field. Optional so a caller that
 * holds no form (a restore, the CLI) saves unconditionally; a forged value only ever makes the save
 * refuse, since the check compares it with the stored row in the same UPDATE.
 */
export const loadedVersion = z.coerce.number().int().positive().max(2_147_483_647).optional();

/** A save refused because the row changed since the form was loaded; `version` is the current one. */
export type StaleEdit = { status: "stale"; message: string; version: number };

/** "3 minutes ago": coarse on purpose, the exact time follows in UTC. */
function ago(at: Date, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - at.getTime()) / 1000));
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"} ago`;
  if (seconds < 45) return "just now";
  if (seconds < 90 * 60) return unit(Math.max(1, Math.round(seconds / 60)), "minute");
  if (seconds < 36 * 3600) return unit(Math.round(seconds / 3600), "hour");
  return unit(Math.round(seconds / 86_400), "day");
}

const utc = (at: Date) => `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/**
 * "Changed by ada@example.com 3 minutes ago (at 2026-12-01 07:41 UTC) since you opened it: subject, to."
 * `changed` is null when the versions in between are not stored,
 * so only who and when can be said; `at` is null where the row keeps no time of change.
 */
export function describeStaleEdit({
  by,
  at,
  now,
  changed,
}: {
  by: string | null;
  at: Date | null;
  now: Date;
  changed: string[] | null;
}): string {
  const when = at ? ` ${ago(at, now)} (at ${utc(at)})` : "";
  const what = changed === null ? "." : changed.length === 0 ? " (no field differs)." : `: ${changed.join(", ")}.`;
  return `Changed by ${by ?? "someone"}${when} since you opened it${what}`;
}

/** The labels of the fields whose values differ between two snapshots of a row, in `labels` order. */
export function changedFields<T extends Record<string, unknown>>(
  before: T | null,
  after: T,
  labels: Partial<Record<keyof T, string>>,
): string[] | null {
  if (!before) return null;
  return (Object.keys(labels) as (keyof T)[])
    .filter((key) => JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null))
    .map((key) => labels[key]!);
}

/** The stale answer for a row: who changed it (their email), when, and what, if known. */
export async function staleEdit(
  deps: Pick<Deps, "db" | "clock">,
  current: { version: number; updatedBy: string | null; updatedAt?: Date | null },
  changed: string[] | null,
): Promise<StaleEdit> {
  const editor = current.updatedBy ? await findUserById(deps.db, { id: current.updatedBy }) : null;
  return {
    status: "stale",
    version: current.version,
    message: describeStaleEdit({
      by: editor?.email ?? null,
      at: current.updatedAt ?? null,
      now: deps.clock(),
      changed,
    }),
  };
}
