import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const h = vi.hoisted(() => ({ engine: null as unknown }));
vi.mock("server-only", () => ({}));
vi.mock("./session", () => ({ clientIp: async () => "203.0.113.7" }));
vi.mock("./engine", () => ({
  getEngine: async () => h.engine,
  StoppingError: class StoppingError extends Error {},
}));

import { createApiKey } from "@/spark/api-keys/api-keys";
import { createLogger } from "@/spark/logger";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import { withApiKey } from "./machine-api";

describe(`the machine API's request logs on ${testDriver}`, () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let written = "";
  let secret = "";
  beforeAll(async () => {
    database = await openTestDatabase();
    const out = new PassThrough();
    out.on("data", (c) => (written += String(c)));
    const deps = testDeps(database, { log: createLogger({ info: out, error: out }) });
    h.engine = { deps };
    const created = await createApiKey(deps, { input: { name: "logged", scopes: ["ingest"] }, by: null });
    if (!created.ok) throw new Error(created.message);
    secret = created.key.secret;
  });
  afterAll(async () => {
    await database?.close();
  });

  const lines = () =>
    written
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it("gives the handler a logger bound to the request id, and answers with that id; never logs the key", async () => {
    written = "";
    const route = withApiKey("ingest", async (_request, { log }) => {
      log.info("handled", { authorization: `Bearer ${secret}`, note: `key ${secret}` });
      return Response.json({ ok: true });
    });
    const response = await route(
      new Request("http://spark.test/api/events", {
        method: "POST",
        headers: { authorization: `Bearer ${secret}`, "x-request-id": "req-42" },
      }),
      {},
    );
    expect(response.headers.get("x-request-id")).toBe("req-42");
    const [line] = lines();
    expect(line).toMatchObject({
      msg: "handled",
      requestId: "req-42",
      method: "POST",
      route: "/api/events",
      authorization: "[redacted]",
      note: "key spk_[redacted]",
    });
    expect(line!.keyId).toEqual(expect.any(String));
    expect(written).not.toContain(secret.slice(4));
  });

  it("makes its own request id when the caller's is not a plain token, and logs a refused key without it", async () => {
    written = "";
    const route = withApiKey("admin", async () => Response.json({ ok: true }));
    const forged = `x\n{"level":"error","msg":"forged"}`;
    const response = await route(
      new Request("http://spark.test/api/inbound", {
        headers: { authorization: `Bearer ${secret}`, "x-request-id": encodeURIComponent(forged) },
      }),
      {},
    );
    expect(response.status).toBe(403);
    const [line] = lines();
    expect(line).toMatchObject({ msg: "api request refused", status: 403, requiredScope: "admin" });
    expect(line!.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(written.trim().split("\n")).toHaveLength(1);
    expect(written).not.toContain(secret.slice(4));
  });

  it("logs a handler's failure with its request id before it becomes a 500", async () => {
    written = "";
    const route = withApiKey("ingest", async () => {
      throw new Error("connect ECONNREFUSED postgres://spark:db-password-5@db:5432/app");
    });
    await expect(
      route(new Request("http://spark.test/api/events", { headers: { authorization: `Bearer ${secret}` } }), {}),
    ).rejects.toThrow("ECONNREFUSED");
    const [line] = lines();
    expect(line).toMatchObject({ level: "error", msg: "api request failed", route: "/api/events" });
    expect(written).toContain("postgres://spark:[redacted]@db:5432/app");
    expect(written).not.toContain("db-password-5");
  });
});
