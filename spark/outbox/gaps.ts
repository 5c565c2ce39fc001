import type { OutboxGap } from "@/db/schema";

export type { OutboxGap };

/**
 * How long an id skipped by a read is waited for. An id becomes visible when its transaction commits,
 * not when it is assigned, so a missing id below the checkpoint may belong to a transaction still open;
 * past this it is taken for a rolled-back insert or a sequence that jumped, and no longer re-read.
 */
export const GAP_HORIZON_MS = 10 * 60_000;

/** Tracked ranges at most: past this the closest ones are merged (re-reading some rows already recorded). */
export const MAX_GAPS = 1_000;

const byFrom = (a: OutboxGap, b: OutboxGap) => a.from - b.from || a.to - b.to;

/**
 * The checkpoint and the new gaps after reading `ids` (ascending, all above `checkpoint`): every id
 * between the checkpoint and the highest one read that was not among them is a gap seen now.
 */
export function advance(
  { checkpoint, gaps }: { checkpoint: number; gaps: OutboxGap[] },
  ids: number[],
  seenAt: string,
): { checkpoint: number; gaps: OutboxGap[] } {
  const added: OutboxGap[] = [];
  let last = checkpoint;
  for (const id of ids) {
    if (id <= last) continue;
    if (id > last + 1) added.push({ from: last + 1, to: id - 1, seenAt });
    last = id;
  }
  return { checkpoint: last, gaps: [...gaps, ...added].sort(byFrom) };
}

/** The gaps without `ids` (rows that showed up): a range loses its ends or splits around them. */
export function fill(gaps: OutboxGap[], ids: number[]): OutboxGap[] {
  if (ids.length === 0) return gaps;
  const found = [...new Set(ids)].sort((a, b) => a - b);
  const result: OutboxGap[] = [];
  for (const gap of [...gaps].sort(byFrom)) {
    let from = gap.from;
    // First found id at or above this gap's start: binary search, since a gap re-read can return many.
    let lo = 0;
    let hi = found.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (found[mid]! < gap.from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < found.length && found[i]! <= gap.to; i++) {
      const id = found[i]!;
      if (id > from) result.push({ from, to: id - 1, seenAt: gap.seenAt });
      from = id + 1;
    }
    if (from <= gap.to) result.push({ from, to: gap.to, seenAt: gap.seenAt });
  }
  return result;
}

/** Single-id gaps for rows read but not recorded (a handler threw): they are read again next pass. */
export function reopen(gaps: OutboxGap[], ids: number[], seenAt: string): OutboxGap[] {
  if (ids.length === 0) return gaps;
  const open = fill(gaps, ids);
  return [...open, ...[...new Set(ids)].map((id) => ({ from: id, to: id, seenAt }))].sort(byFrom);
}

/** The gaps seen within the horizon, and those older, which are given up. */
export function expire(
  gaps: OutboxGap[],
  now: Date,
  horizonMs: number = GAP_HORIZON_MS,
): { kept: OutboxGap[]; expired: OutboxGap[] } {
  const limit = now.getTime() - horizonMs;
  const kept: OutboxGap[] = [];
  const expired: OutboxGap[] = [];
  for (const gap of gaps) {
    const seen = Date.parse(gap.seenAt);
    // A damaged time cannot be waited on forever.
    (Number.isFinite(seen) && seen >= limit ? kept : expired).push(gap);
  }
  return { kept, expired };
}

/**
 * At most `max` ranges: the two neighbours with the fewest ids between them are merged, repeatedly.
 * Merging loses nothing (the ids between are read again and are simply seen), and the merged range
 * keeps the later time, so no id is waited on for less than the horizon.
 */
export function cap(gaps: OutboxGap[], max: number = MAX_GAPS): { gaps: OutboxGap[]; merged: number } {
  if (gaps.length <= max) return { gaps, merged: 0 };
  let list = [...gaps].sort(byFrom);
  let merged = 0;
  while (list.length > max) {
    // Merge every pair whose distance is at most the distance that frees enough ranges at once, so a
    // large excess is absorbed in a few sweeps rather than one merge per sweep.
    const distances = list.slice(1).map((g, i) => g.from - list[i]!.to);
    const excess = list.length - max;
    const threshold = [...distances].sort((a, b) => a - b)[excess - 1]!;
    const next: OutboxGap[] = [list[0]!];
    let budget = excess;
    for (let i = 1; i < list.length; i++) {
      const previous = next[next.length - 1]!;
      const gap = list[i]!;
      if (budget > 0 && gap.from - previous.to <= threshold) {
        next[next.length - 1] = {
          from: previous.from,
          to: Math.max(previous.to, gap.to),
          seenAt: previous.seenAt > gap.seenAt ? previous.seenAt : gap.seenAt,
        };
        budget--;
        merged++;
      } else next.push(gap);
    }
    list = next;
  }
  return { gaps: list, merged };
}

/** How many ids the gaps hold, for the source's status line. */
export const gapIds = (gaps: OutboxGap[]) => gaps.reduce((n, g) => n + (g.to - g.from + 1), 0);
