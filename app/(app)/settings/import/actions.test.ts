import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The session cookie and the engine are stubbed so the real requireAdmin runs against a test database,
// as a hostile operator's direct post would reach it.
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

import type { FormState } from "@/components/forms/form-state";
import { createOperator } from "@/spark/accounts/accounts";
import { startSession } from "@/spark/accounts/sessions";
import { saveConnection } from "@/spark/connections/service";
import type { Deps } from "@/spark/deps";
import { createAppPostgres, type AppPostgres } from "@/testing/connections";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import {
  readImportProgress,
  startImportProgress,
  stopImport,
  updateImportProgress,
} from "@/app/_server/import-progress";
import { DELETE as stopOf, GET as progressOf } from "@/app/api/imports/progress/route";
import { importDjangoSparkAction } from "./actions";

const postgresUrl = process.env.TEST_DATABASE_URL;
const SAMPLE_CONNECTION_ID = "00000000-0000-4000-8000-00000000a001";
const idle: FormState = { status: "idle" };
const form = (entries: Record<string, string>) => {
  const data = new FormData();
  for (const [name, value] of Object.entries(entries)) data.append(name, value);
  return data;
};
const redirectOf = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: { redirectTo?: string }) => error.redirectTo ?? String(error),
  );

describe.skipIf(!postgresUrl)(`Settings → Import from django-spark on ${testDriver}`, () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let deps: Deps;
  let app: AppPostgres;
  let connectionId = "";
  let adminToken = "";
  let adminId = "";
  let operatorToken = "";
  beforeAll(async () => {
    database = await openTestDatabase();
    deps = testDeps(database);
    h.engine = { deps, database };
    app = await createAppPostgres(
      postgresUrl!,
      `create table spark_event (key varchar(100) primary key, "group" varchar(50) not null, created_at timestamptz not null);
       insert into spark_event values ('signup_1', 'signup', now() - interval '1 day'), ('signup_2', 'signup', now() - interval '1 day')`,
    );
    const saved = await saveConnection(deps, {
      input: {
        name: "site",
        kind: "postgres",
        host: app.target.host,
        port: app.target.port,
        database: app.target.database,
        username: app.target.username,
        password: app.target.password,
        ssl: false,
      },
      by: null,
    });
    if (saved.status !== "ok") throw new Error(JSON.stringify(saved));
    connectionId = saved.connection.id;
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
    await app?.drop();
    await database?.close();
  });

  it("refuses an operator who is not an admin, and nobody signed in, posting the import directly", async () => {
    for (const token of [operatorToken, undefined]) {
      h.token = token;
      const redirect = await redirectOf(importDjangoSparkAction(idle, form({ connectionId, mode: "import" })));
      expect(redirect).toBe(token ? "/settings/account" : "/login");
    }
  });

  it("counts first and writes nothing, then imports, then finds everything already present", async () => {
    h.token = adminToken;
    const counted = await importDjangoSparkAction(idle, form({ connectionId, mode: "count" }));
    expect(counted).toMatchObject({
      status: "ok",
      message: expect.stringContaining(
        "Dry run, nothing written: 2 keys read: 2 would be translated, 0 would be kept as they were, 0 already present",
      ),
    });
    const imported = await importDjangoSparkAction(idle, form({ connectionId, mode: "import" }));
    expect(imported).toMatchObject({ status: "ok", message: expect.stringContaining("2 keys read: 2 translated") });
    const again = await importDjangoSparkAction(idle, form({ connectionId, mode: "import" }));
    expect(again).toMatchObject({
      status: "ok",
      message: expect.stringContaining("0 translated, 0 kept as they were, 2 already present"),
    });
  });

  it("refuses the sample database, an unknown connection and a forged mode, saying what to do", async () => {
    h.token = adminToken;
    expect(
      await importDjangoSparkAction(idle, form({ connectionId: SAMPLE_CONNECTION_ID, mode: "import" })),
    ).toMatchObject({
      status: "error",
      message: expect.stringContaining("choose your site's connection"),
    });
    expect(
      await importDjangoSparkAction(
        idle,
        form({ connectionId: "00000000-0000-4000-8000-0000000000ff", mode: "count" }),
      ),
    ).toMatchObject({ status: "error", message: expect.stringContaining("deleted") });
    expect(
      await importDjangoSparkAction(idle, form({ connectionId: "'; drop table events; --", mode: "drop" })),
    ).toMatchObject({
      status: "invalid",
      fieldErrors: { connectionId: ["Choose a connection."], mode: ["Count first, then import."] },
    });
  });

  it("tells the admin who started an import how far it got, and nobody else", async () => {
    const run = "11111111-2222-4333-8444-555555555555";
    startImportProgress(run, adminId);
    updateImportProgress(run, "2,000 keys read: 1,990 translated");
    const ask = (query: string) => progressOf(new Request(`http://127.0.0.1/api/imports/progress?${query}`), {});
    h.token = adminToken;
    expect(await (await ask(`run=${run}`)).json()).toEqual({ progress: "2,000 keys read: 1,990 translated" });
    expect((await ask("run=../../etc")).status).toBe(400);
    h.token = operatorToken;
    expect((await ask(`run=${run}`)).status).toBe(403);
    h.token = undefined;
    expect((await ask(`run=${run}`)).status).toBe(401);
    expect(readImportProgress(run, "00000000-0000-4000-8000-000000000000")).toBeNull();
  });

  it("stops an import for the admin who started it, and for nobody else or from another site", async () => {
    const run = "21111111-2222-4333-8444-555555555555";
    const signal = startImportProgress(run, adminId);
    const stop = (query: string, headers: Record<string, string> = {}) =>
      stopOf(new Request(`http://127.0.0.1/api/imports/progress?${query}`, { method: "DELETE", headers }), {});
    h.token = operatorToken;
    expect((await stop(`run=${run}`)).status).toBe(403);
    h.token = undefined;
    expect((await stop(`run=${run}`)).status).toBe(401);
    h.token = adminToken;
    expect((await stop(`run=${run}`, { origin: "https://elsewhere.example" })).status).toBe(403);
    expect((await stop("run=not-a-run")).status).toBe(400);
    expect((await stop("run=31111111-2222-4333-8444-555555555555")).status).toBe(404);
    expect(stopImport(run, "00000000-0000-4000-8000-000000000000")).toBe(false);
    expect(signal.aborted).toBe(false);
    const stopped = await stop(`run=${run}`);
    expect(await stopped.json()).toEqual({ stopping: true });
    expect(signal.aborted).toBe(true);
    expect(readImportProgress(run, adminId)).toBe("Stopping at the end of this batch…");
  });

  it("ends a running import at its next batch when stopped, saying so", async () => {
    h.token = adminToken;
    const runId = "41111111-2222-4333-8444-555555555555";
    const running = importDjangoSparkAction(idle, form({ connectionId, mode: "count", runId }));
    // The action registers the run once it has checked the session; the stop lands before its first batch ends.
    while (!stopImport(runId, adminId)) await new Promise((resolve) => setTimeout(resolve, 1));
    expect(await running).toMatchObject({
      status: "ok",
      message: expect.stringContaining("Stopped before the end: run the same import again to go on."),
    });
    expect(readImportProgress(runId, adminId)).toBeNull();
  });
});
