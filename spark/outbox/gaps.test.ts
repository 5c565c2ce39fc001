import { describe, expect, it } from "vitest";
import { advance, cap, expire, fill, gapIds, reopen, type OutboxGap } from "./gaps";

const T0 = "2030-01-01T00:00:00.000Z";
const T1 = "2030-01-01T00:05:00.000Z";

describe("outbox gaps", () => {
  it("moves the checkpoint to the highest id read and keeps every skipped id as a gap", () => {
    expect(advance({ checkpoint: 0, gaps: [] }, [1, 2, 5, 6, 9], T0)).toEqual({
      checkpoint: 9,
      gaps: [
        { from: 3, to: 4, seenAt: T0 },
        { from: 7, to: 8, seenAt: T0 },
      ],
    });
    expect(advance({ checkpoint: 10, gaps: [{ from: 3, to: 3, seenAt: T0 }] }, [13], T1)).toEqual({
      checkpoint: 13,
      gaps: [
        { from: 3, to: 3, seenAt: T0 },
        { from: 11, to: 12, seenAt: T1 },
      ],
    });
    expect(advance({ checkpoint: 4, gaps: [] }, [], T0)).toEqual({ checkpoint: 4, gaps: [] });
  });

  it("shrinks and splits a gap around the ids that showed up, keeping when it was first seen", () => {
    const gaps: OutboxGap[] = [
      { from: 3, to: 10, seenAt: T0 },
      { from: 20, to: 20, seenAt: T1 },
    ];
    expect(fill(gaps, [3, 6, 10, 20])).toEqual([
      { from: 4, to: 5, seenAt: T0 },
      { from: 7, to: 9, seenAt: T0 },
    ]);
    expect(fill(gaps, [15, 2, 30])).toEqual(gaps);
    expect(fill(gaps, [])).toEqual(gaps);
  });

  it("reopens the ids of rows whose handlers failed as gaps of their own", () => {
    expect(reopen([{ from: 3, to: 4, seenAt: T0 }], [7, 4], T1)).toEqual([
      { from: 3, to: 3, seenAt: T0 },
      { from: 4, to: 4, seenAt: T1 },
      { from: 7, to: 7, seenAt: T1 },
    ]);
  });

  it("gives up gaps older than the horizon, and a gap with a damaged time", () => {
    const gaps: OutboxGap[] = [
      { from: 1, to: 1, seenAt: T0 },
      { from: 5, to: 6, seenAt: T1 },
      { from: 9, to: 9, seenAt: "not a time" },
    ];
    const { kept, expired } = expire(gaps, new Date("2030-01-01T00:12:00Z"), 10 * 60_000);
    expect(kept).toEqual([{ from: 5, to: 6, seenAt: T1 }]);
    expect(expired.map((g) => g.from)).toEqual([1, 9]);
  });

  it("merges the closest neighbours past the cap, so no id is lost and the later time is kept", () => {
    const gaps: OutboxGap[] = [];
    for (let i = 0; i < 2_500; i++)
      gaps.push({ from: i * 10 + 1, to: i * 10 + 1 + (i % 3) + (i % 7 === 0 ? 5 : 0), seenAt: i % 2 ? T1 : T0 });
    const ids = new Set(gaps.flatMap((g) => Array.from({ length: g.to - g.from + 1 }, (_, k) => g.from + k)));
    const { gaps: capped, merged } = cap(gaps, 1_000);
    expect(capped.length).toBeLessThanOrEqual(1_000);
    expect(merged).toBe(gaps.length - capped.length);
    for (const id of ids) expect(capped.some((g) => g.from <= id && id <= g.to)).toBe(true);
    for (let i = 1; i < capped.length; i++) expect(capped[i]!.from).toBeGreaterThan(capped[i - 1]!.to);
    expect(gapIds(capped)).toBeGreaterThanOrEqual(ids.size);
    expect(cap(gaps.slice(0, 10), 1_000)).toEqual({ gaps: gaps.slice(0, 10), merged: 0 });
  });
});
