import { describe, expect, it } from "vitest";
import { describeNextPass } from "./next-pass";

describe("describeNextPass", () => {
  it("gives the scheduler's interval and the time of its next pass", () => {
    expect(describeNextPass({ everySeconds: 60, nextAt: "2026-12-01T07:41:20.000Z" })).toBe(
      "Once saved, the next scheduled pass runs it and records its events: passes run every 60 seconds; the next is due at 07:41:20 UTC.",
    );
  });

  it("says when a pass is running now", () => {
    expect(describeNextPass({ everySeconds: 30, nextAt: null })).toContain(
      "a pass is running now and the next starts 30 seconds after it ends",
    );
  });

  it("says that with SPARK_SCHEDULE_SECONDS=0 only cron, the CLI or Run now start a pass", () => {
    expect(describeNextPass({ everySeconds: 0, nextAt: null })).toBe(
      "The scheduler is off (SPARK_SCHEDULE_SECONDS=0): the next pass from cron (POST /api/jobs/run), npm run job or Run now runs it.",
    );
  });
});
