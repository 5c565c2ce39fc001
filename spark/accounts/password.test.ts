import { randomBytes, scryptSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashPassword, verifyDecoyPassword, verifyPassword } from "./password";

const password = "correct horse battery staple";

describe("password hashing", () => {
  it("stores scheme, cost parameters, salt and key in the hash", async () => {
    const hash = await hashPassword(password);
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{86}$/);
    expect(hash).not.toContain(password);
  });

  it("salts each hash, and every one verifies", async () => {
    const [a, b] = await Promise.all([hashPassword(password), hashPassword(password)]);
    expect(a).not.toBe(b);
    expect(await verifyPassword(password, a)).toBe(true);
    expect(await verifyPassword(password, b)).toBe(true);
  });

  it("rejects a wrong password, and the hash of a different password", async () => {
    const hash = await hashPassword(password);
    expect(await verifyPassword("correct horse battery stapl", hash)).toBe(false);
    expect(await verifyPassword(password, await hashPassword("another long password"))).toBe(false);
  });

  it("accepts the same password typed in another Unicode form", async () => {
    const hash = await hashPassword("caf\u00e9 au lait, please");
    expect(await verifyPassword("cafe\u0301 au lait, please", hash)).toBe(true);
  });

  it("still verifies a hash made with older, cheaper parameters", async () => {
    const salt = randomBytes(16);
    const key = scryptSync(password, salt, 64, { N: 2 ** 14, r: 8, p: 1 });
    const old = `scrypt$16384$8$1$${salt.toString("base64url")}$${key.toString("base64url")}`;
    expect(await verifyPassword(password, old)).toBe(true);
    expect(await verifyPassword("not the password", old)).toBe(false);
  });

  it("answers false for stored strings that are not scrypt hashes", async () => {
    for (const stored of [
      "",
      "not-a-hash",
      "scrypt$32768$8$1",
      "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
    ]) {
      expect(await verifyPassword(password, stored), stored).toBe(false);
    }
  });

  it("answers false, rather than throwing, for scrypt hashes with unusable parameters", async () => {
    const [, , , , salt, key] = (await hashPassword(password)).split("$");
    for (const stored of [
      `scrypt$abc$8$1$${salt}$${key}`,
      `scrypt$3$8$1$${salt}$${key}`,
      `scrypt$32768$0$1$${salt}$${key}`,
    ]) {
      await expect(verifyPassword(password, stored), stored).resolves.toBe(false);
    }
  });

  it("never accepts a password against a hash whose key is empty", async () => {
    const [, , , , salt] = (await hashPassword(password)).split("$");
    await expect(verifyPassword("any guess at all", `scrypt$32768$8$1$${salt}$!!!`)).resolves.toBe(false);
  });

  it("the decoy check never succeeds, not even for the decoy's own password", async () => {
    expect(await verifyDecoyPassword("spark-decoy-password")).toBe(false);
    expect(await verifyDecoyPassword(password)).toBe(false);
  });
});
