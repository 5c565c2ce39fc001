import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The actions read the session cookie and the engine through Next; both are stubbed so the real
// requireAdmin runs against a test database, as a hostile operator's direct post would reach it.
const h = vi.hoisted(() => ({ token: undefined as string | undefined, engine: null as unknown }));

vi.mock("server-only", () => ({}));
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: () => (h.token ? { value: h.token } : undefined), set: () => {}, delete: () => {} }),
  headers: async () => new Headers(),
}));
vi.mock("next/navigation", () => ({
  redirect: (url: string) => {
    throw Object.assign(new Error(`NEXT_REDIRECT ${url}`), { redirectTo: url });
  },
}));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("@/app/_server/engine", () => ({ getEngine: async () => h.engine }));

import { createOperator } from "@/spark/accounts/accounts";
import { startSession } from "@/spark/accounts/sessions";
import { authenticateApiKey, createApiKey, listKeys } from "@/spark/api-keys/api-keys";
import type { Deps } from "@/spark/deps";
import type { FormState } from "@/components/forms/form-state";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import { createApiKeyAction, revokeApiKeyAction } from "./actions";

const idle: FormState = { status: "idle" };
const form = (entries: [string, string][]) => {
  const data = new FormData();
  for (const [name, value] of entries) data.append(name, value);
  return data;
};
const redirectOf = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: { redirectTo?: string }) => error.redirectTo ?? String(error),
  );

describe(`the API key actions on ${testDriver}`, () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let deps: Deps;
  let adminToken = "";
  let operatorToken = "";
  let adminId = "";

  beforeAll(async () => {
    database = await openTestDatabase();
    deps = testDeps(database);
    h.engine = { deps, database, config: { publicUrl: "http://spark.test" } };
    const admin = await createOperator(deps, {
      email: "admin@example.com",
      password: "admin password 1234",
      role: "admin",
      createdBy: null,
    });
    const operator = await createOperator(deps, {
      email: "op@example.com",
      password: "operator password 1234",
      role: "operator",
      createdBy: admin!.id,
    });
    adminId = admin!.id;
    adminToken = (await startSession(deps, { userId: admin!.id, days: 1 })).token;
    operatorToken = (await startSession(deps, { userId: operator!.id, days: 1 })).token;
  });
  afterAll(async () => {
    await database?.close();
  });

  it("refuses an operator who is not an admin, posting either action directly, and changes nothing", async () => {
    const existing = await createApiKey(deps, { input: { name: "kept", scopes: ["ingest"] }, by: adminId });
    if (!existing.ok) throw new Error(existing.message);
    h.token = operatorToken;
    expect(
      await redirectOf(
        createApiKeyAction(
          idle,
          form([
            ["name", "sneaky"],
            ["scopes", "admin"],
          ]),
        ),
      ),
    ).toBe("/settings/account");
    expect(await redirectOf(revokeApiKeyAction(idle, form([["id", existing.key.id]])))).toBe("/settings/account");
    const keys = await listKeys(deps);
    expect(keys.map((k) => k.name)).not.toContain("sneaky");
    expect(keys.find((k) => k.id === existing.key.id)?.revokedAt).toBeNull();

    h.token = undefined;
    expect(await redirectOf(createApiKeyAction(idle, form([["name", "anonymous"]])))).toBe("/login");
    expect(await redirectOf(revokeApiKeyAction(idle, form([["id", existing.key.id]])))).toBe("/login");
    expect((await listKeys(deps)).find((k) => k.id === existing.key.id)?.revokedAt).toBeNull();
  });

  it("creates a key for an admin and answers its secret once, in the ok message alone", async () => {
    h.token = adminToken;
    const state = await createApiKeyAction(
      idle,
      form([
        ["name", "deploy-bot"],
        ["scopes", "ingest"],
        ["scopes", "read"],
      ]),
    );
    expect(state.status).toBe("ok");
    const secret = state.status === "ok" ? state.message! : "";
    expect(secret).toMatch(/^spk_[A-Za-z0-9_-]{43}$/);
    const check = await authenticateApiKey(deps, { authorization: `Bearer ${secret}`, scope: "read", address: "x" });
    expect(check).toMatchObject({ ok: true, key: { name: "deploy-bot", scopes: ["ingest", "read"] } });
    const listed = (await listKeys(deps)).find((k) => k.name === "deploy-bot")!;
    expect(listed.createdBy).toBe(adminId);
  });

  it("puts each field's error next to its field and echoes the values, never a secret", async () => {
    h.token = adminToken;
    expect(await createApiKeyAction(idle, form([["name", "  "]]))).toEqual({
      status: "invalid",
      fieldErrors: {
        name: ["Give the key a name: who or what will use it."],
        scopes: ["Pick at least one scope."],
      },
      values: { name: "  ", scopes: "" },
    });
    expect(
      await createApiKeyAction(
        idle,
        form([
          ["name", "Deploy-Bot"],
          ["scopes", "ingest"],
          ["scopes", "write"],
        ]),
      ),
    ).toEqual({
      status: "invalid",
      fieldErrors: { scopes: ["A scope is one of ingest, read, mail, admin."] },
      values: { name: "Deploy-Bot", scopes: "ingest,write" },
    });
    const duplicate = await createApiKeyAction(
      idle,
      form([
        ["name", "Deploy-Bot"],
        ["scopes", "read"],
      ]),
    );
    expect(duplicate).toEqual({
      status: "invalid",
      fieldErrors: { name: ['A live key is already named "Deploy-Bot".'] },
      values: { name: "Deploy-Bot", scopes: "read" },
    });
    const flood = await createApiKeyAction(
      idle,
      form([["name", "flood"], ...Array.from({ length: 5_000 }, () => ["scopes", "ingest"] as [string, string])]),
    );
    expect(flood.status).toBe("invalid");
    expect((await listKeys(deps)).map((k) => k.name)).not.toContain("flood");
  });

  it("revokes once; a second post of the same revoke says so and changes nothing; a bad id is refused", async () => {
    h.token = adminToken;
    const key = await createApiKey(deps, { input: { name: "to-revoke", scopes: ["read"] }, by: adminId });
    if (!key.ok) throw new Error(key.message);
    const post = () => revokeApiKeyAction(idle, form([["id", key.key.id]]));
    expect(await post()).toEqual({ status: "ok", message: "Revoked: requests with this key are refused from now on." });
    const revokedAt = (await listKeys(deps)).find((k) => k.id === key.key.id)!.revokedAt;
    expect(revokedAt).not.toBeNull();
    expect(await post()).toEqual({ status: "ok", message: "This key was already revoked." });
    expect((await listKeys(deps)).find((k) => k.id === key.key.id)!.revokedAt).toEqual(revokedAt);
    expect(await revokeApiKeyAction(idle, form([["id", "' or 1=1 --"]]))).toEqual({
      status: "error",
      message: "Unknown API key; reload the page.",
    });
    expect(await revokeApiKeyAction(idle, form([["id", "00000000-0000-4000-8000-000000000000"]]))).toEqual({
      status: "error",
      message: "Unknown API key; reload the page.",
    });
  });
});
