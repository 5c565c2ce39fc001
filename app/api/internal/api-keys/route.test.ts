import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const h = vi.hoisted(() => ({ engine: null as unknown }));

vi.mock("server-only", () => ({}));
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: () => undefined }),
  headers: async () => new Headers(),
}));
vi.mock("@/app/_server/engine", () => ({ getEngine: async () => h.engine }));

import { authenticateApiKey, createApiKey, listKeys } from "@/spark/api-keys/api-keys";
import type { Deps } from "@/spark/deps";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import { POST } from "./route";

const INTERNAL = "the-internal-secret-0123456789abcdef";
const CRON = "the-cron-secret-0123456789abcdef";

const post = (body: unknown, authorization?: string, headers: Record<string, string> = {}) =>
  POST(
    new Request("http://127.0.0.1/api/internal/api-keys", {
      method: "POST",
      headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}), ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );

describe(`POST /api/internal/api-keys on ${testDriver}`, () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let deps: Deps;

  beforeAll(async () => {
    database = await openTestDatabase();
    deps = testDeps(database);
    h.engine = { deps, internalSecret: INTERNAL, config: { cronSecret: CRON } };
  });
  afterAll(async () => {
    await database?.close();
  });

  it("refuses without the internal secret: none, the cron secret, an API key, a near miss, a huge header", async () => {
    const create = { command: "create", name: "intruder", scopes: ["admin"] };
    const adminKey = await createApiKey(deps, { input: { name: "an-admin-key", scopes: ["admin"] }, by: null });
    if (!adminKey.ok) throw new Error(adminKey.message);
    for (const authorization of [
      undefined,
      `Bearer ${adminKey.key.secret}`,
      `Bearer ${CRON}`,
      INTERNAL,
      `Basic ${INTERNAL}`,
      `Bearer ${INTERNAL.slice(0, -1)}`,
      `Bearer ${"x".repeat(1_000_000)}`,
    ]) {
      const response = await post(create, authorization);
      expect(response.status, String(authorization).slice(0, 40)).toBe(401);
      expect(await response.json()).toHaveProperty("error");
    }
    expect((await listKeys(deps)).map((k) => k.name)).not.toContain("intruder");
  });

  it("answers nothing to a server without an internal secret (PostgreSQL), whatever is sent", async () => {
    h.engine = { deps, internalSecret: null, config: { cronSecret: CRON } };
    try {
      expect((await post({ command: "list" }, "Bearer ")).status).toBe(401);
      expect((await post({ command: "list" }, `Bearer ${INTERNAL}`)).status).toBe(401);
    } finally {
      h.engine = { deps, internalSecret: INTERNAL, config: { cronSecret: CRON } };
    }
  });

  it("creates a key that belongs to no operator, lists it without its secret, and revokes it", async () => {
    const created = await post({ command: "create", name: "cli-bot", scopes: ["ingest"] }, `Bearer ${INTERNAL}`);
    expect(created.status).toBe(200);
    const body = await created.json();
    expect(body).toMatchObject({ ok: true, command: "create", key: { name: "cli-bot", scopes: ["ingest"] } });
    const check = await authenticateApiKey(deps, {
      authorization: `Bearer ${body.key.secret}`,
      scope: "ingest",
      address: "127.0.0.1",
    });
    expect(check.ok).toBe(true);
    expect((await listKeys(deps)).find((k) => k.name === "cli-bot")?.createdBy).toBeNull();

    const listed = await (await post({ command: "list" }, `Bearer ${INTERNAL}`)).json();
    expect(listed.keys.map((k: { name: string }) => k.name)).toContain("cli-bot");
    expect(JSON.stringify(listed)).not.toContain(body.key.secret);

    const revoked = await (await post({ command: "revoke", target: "cli-bot" }, `Bearer ${INTERNAL}`)).json();
    expect(revoked).toMatchObject({ ok: true, command: "revoke", already: false });
  });

  it("answers 422 with the reason for a refused command, and 4xx for a body that is not one", async () => {
    const duplicate = await post({ command: "create", name: "dup", scopes: ["read"] }, `Bearer ${INTERNAL}`);
    expect(duplicate.status).toBe(200);
    const again = await post({ command: "create", name: "DUP", scopes: ["read"] }, `Bearer ${INTERNAL}`);
    expect(again.status).toBe(422);
    expect(await again.json()).toEqual({ ok: false, message: 'A live key is already named "DUP".' });
    const scope = await post({ command: "create", name: "x", scopes: ["root"] }, `Bearer ${INTERNAL}`);
    expect(await scope.json()).toEqual({
      ok: false,
      message: "unknown scope 'root'; use ingest, read, mail, admin (comma-separated).",
    });

    expect((await post("not json", `Bearer ${INTERNAL}`)).status).toBe(400);
    expect((await post({ command: "drop" }, `Bearer ${INTERNAL}`)).status).toBe(400);
    expect((await post({ command: "list" }, `Bearer ${INTERNAL}`, { "content-type": "text/plain" })).status).toBe(415);
    expect((await post({ command: "create", name: "x".repeat(20_000), scopes: [] }, `Bearer ${INTERNAL}`)).status).toBe(
      413,
    );
  });
});
