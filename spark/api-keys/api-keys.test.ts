import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { insertUser } from "@/db/queries/users";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import type { Deps } from "../deps";
import { hashToken } from "../accounts/tokens";
import { authenticateApiKey, createApiKey, keyAllows, listKeys, revokeApiKey, type CreatedApiKey } from "./api-keys";

describe(`API keys on ${testDriver}`, () => {
  let database: Database;
  let deps: Deps;
  let now = new Date("2030-03-01T09:00:00Z");
  let adminId = "";
  let names = 0;

  beforeAll(async () => {
    database = await openTestDatabase();
    deps = testDeps(database, { clock: () => now });
    adminId = (await insertUser(database.db, { email: "admin@example.com", passwordHash: "unused", role: "admin" }))!
      .id;
  });
  afterAll(async () => {
    await database?.close();
  });

  const created = async (scopes: ("ingest" | "read" | "admin")[], name = `key-${++names}`): Promise<CreatedApiKey> => {
    const result = await createApiKey(deps, { input: { name, scopes }, by: adminId });
    if (!result.ok) throw new Error(result.message);
    return result.key;
  };
  const bearer = (secret: string) => `Bearer ${secret}`;
  const authenticate = (authorization: string | null, scope: "ingest" | "read" | "admin", address = "192.0.2.10") =>
    authenticateApiKey(deps, { authorization, scope, address });
  const rawRow = async (id: string) =>
    (await database.db.execute(sql`select * from api_keys where id = ${id}`)) as unknown as
      { rows: Record<string, unknown>[] } | Record<string, unknown>[];
  const rowOf = async (id: string) => {
    const result = await rawRow(id);
    return (Array.isArray(result) ? result : result.rows)[0]!;
  };

  it("returns the secret once and keeps only its hash and first ten characters", async () => {
    const key = await created(["ingest", "read"], "deploy-bot");
    expect(key.secret).toMatch(/^spk_[A-Za-z0-9_-]{43}$/);
    expect(key.prefix).toBe(key.secret.slice(0, 10));
    expect(key.scopes).toEqual(["ingest", "read"]);

    const row = await rowOf(key.id);
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(key.secret);
    expect(stored).not.toContain(key.secret.slice(4));
    expect(row.secret_hash).toBe(hashToken(key.secret));

    const listed = (await listKeys(deps)).find((k) => k.id === key.id)!;
    expect(listed).toMatchObject({ name: "deploy-bot", prefix: key.prefix, createdByEmail: "admin@example.com" });
    expect(JSON.stringify(listed)).not.toContain(key.secret);
    expect(listed).not.toHaveProperty("secretHash");
  });

  it("keeps the scopes in one order whatever order they were picked in, each once", async () => {
    const key = await created(["admin", "ingest", "admin"]);
    expect(key.scopes).toEqual(["ingest", "admin"]);
  });

  it("refuses an empty name, a name of control characters or over 100 characters, and no or unknown scopes", async () => {
    const refusal = async (name: string, scopes: string[]) => {
      const result = await createApiKey(deps, { input: { name, scopes: scopes as never }, by: adminId });
      return result.ok ? null : { field: result.field, message: result.message };
    };
    expect(await refusal("   ", ["ingest"])).toEqual({
      field: "name",
      message: "Give the key a name: who or what will use it.",
    });
    expect(await refusal("x".repeat(101), ["ingest"])).toEqual({
      field: "name",
      message: "A name is at most 100 characters.",
    });
    expect(await refusal("tab\there", ["ingest"])).toEqual({
      field: "name",
      message: "A name has no control characters.",
    });
    expect(await refusal("no-scopes", [])).toEqual({ field: "scopes", message: "Pick at least one scope." });
    expect(await refusal("bad-scope", ["write"])).toEqual({
      field: "scopes",
      message: "A scope is one of ingest, read, mail, admin.",
    });
    expect((await listKeys(deps)).map((k) => k.name)).not.toContain("no-scopes");
  });

  it("refuses a second live key of the same name in any case, and allows the name again once it is revoked", async () => {
    const first = await created(["read"], "Nightly Export");
    const again = await createApiKey(deps, { input: { name: "nightly export", scopes: ["read"] }, by: adminId });
    expect(again).toEqual({ ok: false, field: "name", message: 'A live key is already named "nightly export".' });

    expect(await revokeApiKey(deps, { id: first.id, by: adminId })).toBe(true);
    const reused = await created(["read"], "Nightly Export");
    expect(reused.id).not.toBe(first.id);
    const listed = (await listKeys(deps)).filter((k) => k.name === "Nightly Export");
    expect(listed.map((k) => [k.id, k.revokedAt !== null])).toEqual([
      [reused.id, false],
      [first.id, true],
    ]);
  });

  it("answers 401 without a header, with another scheme, with a malformed or unknown key", async () => {
    const key = await created(["ingest"]);
    const noHeader = await authenticate(null, "ingest");
    expect(noHeader).toMatchObject({ ok: false, status: 401, requiredScope: "ingest" });
    expect(noHeader.ok ? "" : noHeader.message).toContain('Send an API key with the "ingest" scope');

    for (const header of [
      key.secret,
      `Basic ${key.secret}`,
      `Token ${key.secret}`,
      "Bearer",
      "Bearer ",
      `Bearer ${key.secret} extra`,
    ]) {
      expect(await authenticate(header, "ingest"), header).toMatchObject({ ok: false, status: 401 });
    }
    // The last character changed to another: a random key ends in "A" once in 64 times.
    const altered = `${key.secret.slice(0, -1)}${key.secret.endsWith("A") ? "B" : "A"}`;
    expect(await authenticate(bearer(altered), "ingest")).toEqual({
      ok: false,
      status: 401,
      message:
        'This API key is not known to Spark; check it was copied whole. This route needs a key with the "ingest" scope.',
      requiredScope: "ingest",
    });
    expect(await authenticate(bearer("spk_not-a-key"), "ingest")).toMatchObject({ ok: false, status: 401 });
    // The scheme's name is case-insensitive (RFC 7235); the key itself is not.
    expect(await authenticate(`bearer ${key.secret}`, "ingest")).toMatchObject({ ok: true });
    expect(await authenticate(bearer(key.secret.toUpperCase()), "ingest")).toMatchObject({ ok: false, status: 401 });
  });

  it("answers 401 for a revoked key, saying it was revoked and when", async () => {
    const key = await created(["ingest"], "retired-bot");
    expect(await authenticate(bearer(key.secret), "ingest")).toMatchObject({ ok: true });
    expect(await revokeApiKey(deps, { id: key.id, by: adminId })).toBe(true);
    expect(await authenticate(bearer(key.secret), "ingest")).toEqual({
      ok: false,
      status: 401,
      message: `The API key "retired-bot" was revoked on ${now.toISOString()}; ask an admin for a new one with the "ingest" scope.`,
      requiredScope: "ingest",
    });
  });

  it("answers 403 naming the scope a key lacks", async () => {
    const key = await created(["read"], "reader");
    expect(await authenticate(bearer(key.secret), "ingest")).toEqual({
      ok: false,
      status: 403,
      requiredScope: "ingest",
      message:
        'The API key "reader" lacks the "ingest" scope (it has read); an admin can create a key with it under Settings → API keys.',
    });
    expect(await authenticate(bearer(key.secret), "admin")).toMatchObject({ status: 403, requiredScope: "admin" });
    expect(await authenticate(bearer(key.secret), "read")).toEqual({
      ok: true,
      key: { id: key.id, name: "reader", scopes: ["read"] },
    });
  });

  it("lets an admin key use every scope, and the others only their own", async () => {
    const key = await created(["admin"]);
    for (const scope of ["ingest", "read", "admin"] as const)
      expect(await authenticate(bearer(key.secret), scope), scope).toMatchObject({ ok: true });
    expect(keyAllows(["admin"], "ingest")).toBe(true);
    expect(keyAllows(["ingest", "read"], "admin")).toBe(false);
    expect(keyAllows(["ingest"], "read")).toBe(false);
  });

  it("notes the last use and its address, at most once a minute per address", async () => {
    const key = await created(["ingest"]);
    const lastUse = async () => {
      const row = (await listKeys(deps)).find((k) => k.id === key.id)!;
      return { at: row.lastUsedAt?.toISOString() ?? null, address: row.lastUsedAddress };
    };
    expect(await lastUse()).toEqual({ at: null, address: null });

    const start = now;
    await authenticate(bearer(key.secret), "ingest", "192.0.2.10");
    expect(await lastUse()).toEqual({ at: start.toISOString(), address: "192.0.2.10" });

    now = new Date(start.getTime() + 30_000);
    await authenticate(bearer(key.secret), "ingest", "192.0.2.10");
    expect(await lastUse()).toEqual({ at: start.toISOString(), address: "192.0.2.10" });

    now = new Date(start.getTime() + 61_000);
    await authenticate(bearer(key.secret), "ingest", "192.0.2.10");
    expect(await lastUse()).toEqual({ at: now.toISOString(), address: "192.0.2.10" });

    // Another address is news at once: the list should say where the key is used from now.
    now = new Date(start.getTime() + 62_000);
    await authenticate(bearer(key.secret), "ingest", "2001:db8::7");
    expect(await lastUse()).toEqual({ at: now.toISOString(), address: "2001:db8::7" });

    // A refused use is not a use.
    now = new Date(start.getTime() + 200_000);
    await authenticate(bearer(key.secret), "read", "198.51.100.1");
    expect(await lastUse()).toEqual({ at: new Date(start.getTime() + 62_000).toISOString(), address: "2001:db8::7" });
    now = new Date("2030-03-01T09:00:00Z");
  });

  it("revokes once: a second revoke, or one of an unknown or malformed id, changes nothing", async () => {
    const key = await created(["ingest"]);
    expect(await revokeApiKey(deps, { id: key.id, by: adminId })).toBe(true);
    const revokedAt = (await listKeys(deps)).find((k) => k.id === key.id)!.revokedAt;
    now = new Date(now.getTime() + 3_600_000);
    expect(await revokeApiKey(deps, { id: key.id, by: null })).toBe(false);
    const after = (await listKeys(deps)).find((k) => k.id === key.id)!;
    expect(after.revokedAt).toEqual(revokedAt);
    expect(after.revokedBy).toBe(adminId);
    expect(await revokeApiKey(deps, { id: "00000000-0000-4000-8000-000000000000", by: adminId })).toBe(false);
    expect(await revokeApiKey(deps, { id: "not-a-uuid'; drop table api_keys; --", by: adminId })).toBe(false);
  });

  it("refuses an over-long token without asking the database", async () => {
    const untouchable = new Proxy({} as Deps["db"], {
      get() {
        throw new Error("the database was asked");
      },
    });
    const result = await authenticateApiKey(
      { db: untouchable, clock: () => now },
      { authorization: `Bearer spk_${"A".repeat(1_000_000)}`, scope: "ingest", address: "192.0.2.10" },
    );
    expect(result).toEqual({
      ok: false,
      status: 401,
      message:
        'This API key is not known to Spark; check it was copied whole. This route needs a key with the "ingest" scope.',
      requiredScope: "ingest",
    });
  });
});
