import { describe, expect, it } from "vitest";
import { describeRetry, LIFT_THROTTLE_HINT } from "./retry-message";

describe("describeRetry", () => {
  it("counts seconds under a minute, singular for one", () => {
    expect(describeRetry(1)).toBe(`Too many failed sign-ins. Try again in 1 second. ${LIFT_THROTTLE_HINT}`);
    expect(describeRetry(59)).toBe(`Too many failed sign-ins. Try again in 59 seconds. ${LIFT_THROTTLE_HINT}`);
  });

  it("rounds minutes up, so waiting that long always works", () => {
    expect(describeRetry(60)).toBe(`Too many failed sign-ins. Try again in 1 minute. ${LIFT_THROTTLE_HINT}`);
    expect(describeRetry(61)).toBe(`Too many failed sign-ins. Try again in 2 minutes. ${LIFT_THROTTLE_HINT}`);
    expect(describeRetry(15 * 60)).toBe(`Too many failed sign-ins. Try again in 15 minutes. ${LIFT_THROTTLE_HINT}`);
  });

  it("says how an admin lifts it: the Operators page and the user CLI", () => {
    expect(describeRetry(30)).toContain("Settings → Operators → Sign-in throttling");
    expect(describeRetry(30)).toContain("npm run user -- unlock <email>");
  });
});
