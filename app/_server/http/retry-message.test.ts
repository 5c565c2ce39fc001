import { describe, expect, it } from "vitest";
import { describeRetry } from "./retry-message";

describe("describeRetry", () => {
  it("counts seconds under a minute, singular for one", () => {
    expect(describeRetry(1)).toBe("Too many failed sign-ins. Try again in 1 second.");
    expect(describeRetry(59)).toBe("Too many failed sign-ins. Try again in 59 seconds.");
  });

  it("rounds minutes up, so waiting that long always works", () => {
    expect(describeRetry(60)).toBe("Too many failed sign-ins. Try again in 1 minute.");
    expect(describeRetry(61)).toBe("Too many failed sign-ins. Try again in 2 minutes.");
    expect(describeRetry(15 * 60)).toBe("Too many failed sign-ins. Try again in 15 minutes.");
  });
});
