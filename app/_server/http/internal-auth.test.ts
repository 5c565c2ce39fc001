import { describe, expect, it } from "vitest";
import { isInternalCaller } from "./internal-auth";

describe("internal callers", () => {
  const secret = "the-internal-secret-0123456789abcdef";

  it("accepts the internal secret as a bearer token, the scheme in any case", () => {
    expect(isInternalCaller(`Bearer ${secret}`, secret)).toBe(true);
    expect(isInternalCaller(`bearer ${secret}`, secret)).toBe(true);
  });

  it("refuses no header, another scheme, a near miss, and any secret when the server has none", () => {
    expect(isInternalCaller(null, secret)).toBe(false);
    expect(isInternalCaller(secret, secret)).toBe(false);
    expect(isInternalCaller(`Basic ${secret}`, secret)).toBe(false);
    expect(isInternalCaller(`Bearer ${secret}x`, secret)).toBe(false);
    expect(isInternalCaller(`Bearer ${secret.slice(0, -1)}`, secret)).toBe(false);
    expect(isInternalCaller(`Bearer ${secret} ${secret}`, secret)).toBe(false);
    expect(isInternalCaller("Bearer ", "")).toBe(false);
    expect(isInternalCaller(`Bearer ${secret}`, null)).toBe(false);
  });
});
