import { describe, expect, it } from "vitest";
import { authorizeCron } from "./cron-auth";

const cronSecret = "cron-secret-0123456789";
const internalSecret = "internal-secret-abcdefgh";

describe("authorizeCron", () => {
  it("accepts the cron secret as a bearer token", () => {
    expect(authorizeCron(`Bearer ${cronSecret}`, { cronSecret, internalSecret })).toEqual({
      status: "ok",
      trigger: "cron",
    });
  });

  it("accepts the server's own secret for the CLI, even with no cron secret set", () => {
    expect(authorizeCron(`Bearer ${internalSecret}`, { cronSecret: null, internalSecret })).toEqual({
      status: "ok",
      trigger: "cli",
    });
  });

  it("refuses a wrong, missing or malformed secret", () => {
    for (const header of [null, "", "Bearer", `Bearer ${cronSecret}x`, cronSecret, `Basic ${cronSecret}`]) {
      expect(authorizeCron(header, { cronSecret, internalSecret })).toEqual({ status: "unauthorized" });
    }
  });

  it("answers unconfigured when SPARK_CRON_SECRET is unset", () => {
    expect(authorizeCron(`Bearer anything`, { cronSecret: null, internalSecret: null })).toEqual({
      status: "unconfigured",
    });
  });
});
