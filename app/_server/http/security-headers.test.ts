import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, createNonce, securityHeaders } from "./security-headers";

const directives = (policy: string) =>
  new Map(policy.split("; ").map((d) => [d.split(" ")[0]!, d.split(" ").slice(1)]));

describe("securityHeaders", () => {
  it("lets scripts run only with the response's nonce and allows nothing from another origin", () => {
    const policy = directives(contentSecurityPolicy({ nonce: "abc123", https: false }));
    expect(policy.get("script-src")).toEqual(["'self'", "'nonce-abc123'", "'strict-dynamic'"]);
    expect(policy.get("frame-ancestors")).toEqual(["'none'"]);
    expect(policy.get("object-src")).toEqual(["'none'"]);
    for (const sources of policy.values())
      for (const source of sources) expect(source).not.toMatch(/^(https?:|\*|'unsafe-eval')/);
    expect(policy.has("upgrade-insecure-requests")).toBe(false);
  });

  it("allows eval only when asked (for the development server)", () => {
    expect(contentSecurityPolicy({ nonce: "n", https: false })).not.toContain("unsafe-eval");
    expect(
      directives(contentSecurityPolicy({ nonce: "n", https: false, allowEval: true })).get("script-src"),
    ).toContain("'unsafe-eval'");
  });

  it("refuses framing and sniffing, keeps the referrer home and caching off", () => {
    expect(securityHeaders({ nonce: "n", https: false })).toMatchObject({
      "X-Frame-Options": "DENY",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "same-origin",
      "Cache-Control": "no-store",
    });
  });

  it("adds HSTS and upgrades requests only on https", () => {
    expect(securityHeaders({ nonce: "n", https: false })).not.toHaveProperty("Strict-Transport-Security");
    const https = securityHeaders({ nonce: "n", https: true });
    expect(https["Strict-Transport-Security"]).toMatch(/^max-age=\d{7,}/);
    expect(https["Content-Security-Policy"]).toContain("upgrade-insecure-requests");
  });

  it("makes a new 128-bit nonce for each response", () => {
    const nonces = new Set(Array.from({ length: 100 }, createNonce));
    expect(nonces.size).toBe(100);
    for (const nonce of nonces) expect(Buffer.from(nonce, "base64")).toHaveLength(16);
  });
});
