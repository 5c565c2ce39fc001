import { describe, expect, it } from "vitest";
import { bucketStart, fillBuckets } from "./stats";

describe("chart buckets", () => {
  it("starts buckets on the UTC hour and day", () => {
    expect(bucketStart(new Date("2026-11-23T05:59:59.999Z"), "hour")).toEqual(new Date("2026-11-23T05:00:00Z"));
    expect(bucketStart(new Date("2026-11-23T23:30:00Z"), "day")).toEqual(new Date("2026-11-23T00:00:00Z"));
  });

  it("fills the hours with no events with zeros and ends with the current one", () => {
    const now = new Date("2026-11-23T05:20:00Z");
    const filled = fillBuckets([{ at: new Date("2026-11-23T03:00:00Z"), count: 4 }], { now, bucket: "hour", n: 4 });
    expect(filled).toEqual([
      { at: new Date("2026-11-23T02:00:00Z"), count: 0 },
      { at: new Date("2026-11-23T03:00:00Z"), count: 4 },
      { at: new Date("2026-11-23T04:00:00Z"), count: 0 },
      { at: new Date("2026-11-23T05:00:00Z"), count: 0 },
    ]);
  });
});
