import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const h = vi.hoisted(() => ({ engine: null as unknown }));

vi.mock("server-only", () => ({}));
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: () => undefined }),
  headers: async () => new Headers(),
}));
vi.mock("@/app/_server/engine", () => ({ getEngine: async () => h.engine }));

import { createApiKey } from "@/spark/api-keys/api-keys";
import type { ApiKeyScope } from "@/spark/api-keys/api-keys";
import type { Deps } from "@/spark/deps";
import { SPARK_MAIL_NEEDS_SCOPE } from "@/spark/producers/ingest";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import { POST } from "./route";

describe(`POST /api/events and spark_mail on ${testDriver}`, () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let deps: Deps;

  beforeAll(async () => {
    database = await openTestDatabase();
    deps = testDeps(database);
    h.engine = { deps, config: {} };
  });
  afterAll(async () => {
    await database?.close();
  });

  const keyWith = async (name: string, scopes: ApiKeyScope[]) => {
    const created = await createApiKey(deps, { input: { name, scopes }, by: null });
    if (!created.ok) throw new Error(created.message);
    return created.key.secret;
  };
  const post = async (secret: string, key: string) => {
    const response = await POST(
      new Request("http://127.0.0.1/api/events", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
        body: JSON.stringify({
          group: "relay_try",
          key,
          context: { spark_mail: { to: "victim@example.com", subject: "Urgent", body: "http://evil.example" } },
        }),
      }),
      { params: Promise.resolve({}) } as never,
    );
    return { status: response.status, body: await response.json() };
  };

  it("refuses spark_mail from an ingest key, and records it from a key that also has the mail scope", async () => {
    const refused = await post(await keyWith("ingest-only", ["ingest"]), "relay_try:1");
    expect(refused).toMatchObject({
      status: 200,
      body: { results: [{ key: "relay_try:1", status: "invalid", message: SPARK_MAIL_NEEDS_SCOPE }] },
    });
    // The refused item left nothing behind: the same key is new to a key that may send mail.
    const allowed = await post(await keyWith("mailer", ["ingest", "mail"]), "relay_try:1");
    expect(allowed).toMatchObject({ status: 200, body: { results: [{ key: "relay_try:1", status: "recorded" }] } });
  });
});
