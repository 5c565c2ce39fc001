import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const h = vi.hoisted(() => ({ engine: null as unknown }));

vi.mock("server-only", () => ({}));
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: () => undefined }),
  headers: async () => new Headers(),
}));
vi.mock("@/app/_server/engine", () => ({ getEngine: async () => h.engine }));

import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import { POST } from "./route";

const INTERNAL = "the-internal-secret-0123456789abcdef";
const CRON = "the-cron-secret-0123456789abcdef";

const post = (body: unknown, authorization?: string) =>
  POST(
    new Request("http://127.0.0.1/api/internal/import", {
      method: "POST",
      headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );

describe(`POST /api/internal/import on ${testDriver}`, () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  beforeAll(async () => {
    database = await openTestDatabase();
    h.engine = { deps: testDeps(database), internalSecret: INTERNAL, config: { cronSecret: CRON } };
  });
  afterAll(async () => {
    await database?.close();
  });

  it("imports nothing for a caller without the internal secret: none, the cron secret, a near miss", async () => {
    for (const authorization of [undefined, `Bearer ${CRON}`, INTERNAL, `Bearer ${INTERNAL.slice(0, -1)}`]) {
      const response = await post({ from: "postgres://x@127.0.0.1/app" }, authorization);
      expect(response.status, String(authorization)).toBe(401);
      expect(await response.json()).toHaveProperty("error");
    }
  });

  it("answers 400 for a body that is not an import, and the refusal of a URL as the result, without its password", async () => {
    expect((await post("not json", `Bearer ${INTERNAL}`)).status).toBe(400);
    expect((await post({ from: "" }, `Bearer ${INTERNAL}`)).status).toBe(400);
    expect((await post({ from: "x".repeat(3_000) }, `Bearer ${INTERNAL}`)).status).toBe(400);
    const response = await post({ from: "ftp://reader:hunter2@db/app" }, `Bearer ${INTERNAL}`);
    expect(response.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    const text = await response.text();
    expect(
      text
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual([
      {
        result: {
          ok: false,
          message: "--from must start with postgres:// or mysql:// (it starts with ftp://).",
        },
      },
    ]);
    // Nothing answers there: the connection's own words, never the password.
    const closed = await (
      await post({ from: "postgres://reader:hunter2@127.0.0.1:1/app" }, `Bearer ${INTERNAL}`)
    ).text();
    expect(JSON.parse(closed.trim())).toEqual({
      result: { ok: false, message: "Nothing answers at 127.0.0.1:1/app; check the host and port." },
    });
    expect(closed).not.toContain("hunter2");
  });
});
