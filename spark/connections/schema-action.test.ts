import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

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
  notFound: () => {
    throw new Error("NEXT_NOT_FOUND");
  },
}));
vi.mock("@/app/_server/engine", () => ({ getEngine: async () => h.engine }));

import type { Database } from "@/db/client";
import { SAMPLE_CONNECTION_ID } from "@/db/queries/connections";
import { insertUser } from "@/db/queries/users";
import { startSession } from "@/spark/accounts/sessions";
import type { Connections } from "@/spark/connections";
import { openTestDatabase } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import { sampleImageFor, testConnections } from "@/testing/connections";
// The action as a signed-in operator calls it, as attack-review.test.ts does for the other actions.
// eslint-disable-next-line no-restricted-imports
import { readSchemaAction } from "@/app/(app)/generators/sources/schema-action";

// What the reader must not see: a table in `public`, which the sample's reader may not use.
const image = sampleImageFor({
  key: "schema-action",
  setup: async (exec) => {
    await exec("create table public.hidden_secrets (id int primary key, password_hash text)");
  },
});

let spark: Database;
let connections: Connections;

beforeAll(async () => {
  spark = await openTestDatabase();
  connections = testConnections(spark, { image, timeoutMs: 10_000 });
  h.engine = { deps: testDeps(spark, { connections }), database: spark };
  const operator = await insertUser(spark.db, {
    email: "op@example.com",
    passwordHash: "scrypt$op-secret",
    role: "operator",
  });
  h.token = (await startSession({ db: spark.db, clock: () => new Date() }, { userId: operator!.id, days: 1 })).token;
}, 120_000);
afterAll(async () => {
  await connections?.close();
  await spark?.close();
});

describe("readSchemaAction as a non-admin operator", () => {
  it("reads the sample's catalog", async () => {
    const result = await readSchemaAction({ connectionId: SAMPLE_CONNECTION_ID });
    expect(result).toMatchObject({ ok: true });
  });

  it.each([
    ["x' or 1=1 --"],
    ["demo.challenges"],
    [""],
    [`${SAMPLE_CONNECTION_ID}; select * from public.hidden_secrets`],
    [{ toString: (): string => SAMPLE_CONNECTION_ID }],
  ])("refuses the connection id %s", async (connectionId) => {
    expect(await readSchemaAction({ connectionId })).toEqual({
      ok: false,
      message: "Choose the connection the query reads from.",
    });
  });

  it("takes nothing else from the client: a table name or query in the input changes nothing", async () => {
    const plain = await readSchemaAction({ connectionId: SAMPLE_CONNECTION_ID });
    const tampered = await readSchemaAction({
      connectionId: SAMPLE_CONNECTION_ID,
      table: "public.hidden_secrets",
      query: "select * from public.hidden_secrets",
    });
    expect(tampered).toEqual(plain);
    expect(JSON.stringify(tampered)).not.toContain("hidden_secrets");
  });

  it("without a session, redirects to /login and reads nothing", async () => {
    const token = h.token;
    h.token = undefined;
    try {
      await expect(readSchemaAction({ connectionId: SAMPLE_CONNECTION_ID })).rejects.toThrow(/NEXT_REDIRECT \/login/);
    } finally {
      h.token = token;
    }
  });
});
