import { describe, expect, it } from "vitest";
import { WEBHOOK_RETRY_SCHEDULE_MS, webhookRetryDelayMs } from "./retry";

const HOUR = 3_600_000;

describe("webhookRetryDelayMs", () => {
  it("follows Svix's schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h", () => {
    expect(WEBHOOK_RETRY_SCHEDULE_MS).toEqual([5_000, 300_000, 1_800_000, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR]);
    WEBHOOK_RETRY_SCHEDULE_MS.forEach((step, i) => expect(webhookRetryDelayMs(i + 1, () => 0.5)).toBe(step));
  });

  it("stays within ±20 % of the step whatever the random source returns", () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const step = WEBHOOK_RETRY_SCHEDULE_MS[Math.min(attempt, WEBHOOK_RETRY_SCHEDULE_MS.length) - 1]!;
      for (const r of [0, 0.25, 0.999999, 1, -3, 7, Number.NaN]) {
        const delay = webhookRetryDelayMs(attempt, () => r);
        expect(delay).toBeGreaterThanOrEqual(Math.round(step * 0.8));
        expect(delay).toBeLessThanOrEqual(Math.round(step * 1.2));
      }
    }
    expect(webhookRetryDelayMs(1, () => 0)).toBe(4_000);
    expect(webhookRetryDelayMs(1, () => 1)).toBe(6_000);
  });

  it("repeats the last step beyond the schedule and never waits before the first attempt", () => {
    expect(webhookRetryDelayMs(8, () => 0.5)).toBe(10 * HOUR);
    expect(webhookRetryDelayMs(1_000, () => 0.5)).toBe(10 * HOUR);
    expect(webhookRetryDelayMs(Number.POSITIVE_INFINITY, () => 0.5)).toBe(10 * HOUR);
    for (const attempt of [0, -1, Number.NaN]) expect(webhookRetryDelayMs(attempt)).toBe(0);
  });

  it("varies between calls with the default random source", () => {
    const delays = new Set(Array.from({ length: 20 }, () => webhookRetryDelayMs(3)));
    expect(delays.size).toBeGreaterThan(1);
  });
});
