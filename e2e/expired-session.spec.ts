import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import postgres from "postgres";
import { expect, test } from "@playwright/test";
import { listAppRoutes } from "./routes";

const adminUrl = process.env.TEST_DATABASE_URL;
const admin = { email: "expiry@example.com", password: "expiry password 123" };
// The OpenAPI description is public on purpose: a producer reads it before it has a key.
const PUBLIC = new Set([
  "/login",
  "/setup/not-a-real-token",
  "/api/health",
  "/api/auth/login",
  "/api/jobs/run",
  "/api/openapi.json",
]);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

// The embedded database is locked by the main e2e server, so a session cannot be aged there; this
// test starts a second server on a PostgreSQL database it can reach into, and expires a real session.
test.describe("with an expired session", () => {
  test.skip(!adminUrl, "needs TEST_DATABASE_URL");
  let server: ChildProcess;
  let baseURL: string;
  let sql: ReturnType<typeof postgres>;
  let control: ReturnType<typeof postgres>;
  const name = `spark_e2e_expiry_${Date.now().toString(36)}`;

  test.beforeAll(async () => {
    control = postgres(adminUrl!, { max: 1, onnotice: () => {} });
    await control.unsafe(`create database ${name}`);
    const url = new URL(adminUrl!);
    url.pathname = `/${name}`;
    sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
    const port = await freePort();
    baseURL = `http://127.0.0.1:${port}`;
    server = spawn(
      process.execPath,
      ["node_modules/next/dist/bin/next", "start", "-p", String(port), "-H", "127.0.0.1"],
      {
        env: {
          ...process.env,
          DATABASE_URL: url.toString(),
          SPARK_ADMIN_EMAIL: admin.email,
          SPARK_ADMIN_PASSWORD: admin.password,
          SPARK_SCHEDULE_SECONDS: "0",
          NEXT_TELEMETRY_DISABLED: "1",
          PORT: String(port),
        },
        stdio: "ignore",
      },
    );
    for (let i = 0; i < 600; i++) {
      const ok = await fetch(`${baseURL}/api/health`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("the PostgreSQL-backed server did not answer within 60 s");
  });

  test.afterAll(async () => {
    server?.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 500));
    await sql?.end();
    await control?.unsafe(`drop database if exists ${name} with (force)`);
    await control?.end();
  });

  test("every page and route refuses a session that has expired", async ({ playwright }) => {
    const request = await playwright.request.newContext({ baseURL });
    const login = await request.post("/api/auth/login", { data: admin });
    expect(login.status()).toBe(200);
    const cookie = login.headers()["set-cookie"]!.match(/spark_session=([^;]+)/)![1]!;
    expect((await request.get("/api/session", { headers: { cookie: `spark_session=${cookie}` } })).status()).toBe(200);

    await sql`update sessions set expires_at = now() - interval '1 minute'`;
    const anonymous = await playwright.request.newContext({ baseURL });
    for (const route of listAppRoutes().filter((r) => !PUBLIC.has(r.path))) {
      for (const method of route.methods) {
        const response = await anonymous.fetch(route.path, {
          method,
          headers: { cookie: `spark_session=${cookie}` },
          maxRedirects: 0,
          failOnStatusCode: false,
        });
        if (route.kind === "api") expect(response.status(), `${method} ${route.path}`).toBe(401);
        else
          expect(new URL(response.headers().location ?? "http://x/none", "http://x").pathname, `${route.path}`).toBe(
            "/login",
          );
      }
    }
    await request.dispose();
    await anonymous.dispose();
  });

  test("over https (as a TLS proxy reports it) the session cookie is also Secure", async ({ playwright }) => {
    const request = await playwright.request.newContext({ baseURL });
    const login = await request.post("/api/auth/login", { data: admin, headers: { "x-forwarded-proto": "https" } });
    expect(login.status()).toBe(200);
    expect(login.headers()["set-cookie"]).toMatch(/spark_session=[^;]+;.*Secure/i);
    expect(login.headers()["set-cookie"]).toMatch(/HttpOnly/i);
    expect(login.headers()["set-cookie"]).toMatch(/SameSite=Lax/i);
    await request.dispose();
  });
});
