import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import { schemaErrors } from "@/testing/json-schema";
import { apiSourceOf, ingestEvents, ingestRequestSchema, ingestResponseOf } from "./ingest";
import { apiErrorSchema, openApiDocument } from "./openapi";
import { readEvents, readStream } from "./read";

const doc = openApiDocument({ publicUrl: "https://spark.example.com" });
type Operation = {
  operationId: string;
  security: { apiKey?: string[] }[];
  "x-required-scope"?: string;
  parameters?: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { schema: unknown; examples: Record<string, { value: unknown }> }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: unknown }> }>;
};
const operation = (path: string, method: string) => doc.paths[path]![method] as unknown as Operation;
/** The schema a component or response body names, as the document holds it. */
const component = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const check = (schema: unknown, value: unknown) => schemaErrors(schema as Record<string, unknown>, value, doc);

function refsIn(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refsIn(n, found));
  else if (node && typeof node === "object")
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string") found.push(v);
      else refsIn(v, found);
    }
  return found;
}

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 served from the configured public address", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.title).toBeTruthy();
    expect(doc.servers).toEqual([{ url: "https://spark.example.com" }]);
    expect(openApiDocument({ publicUrl: "http://localhost:3000" }).servers).toEqual([{ url: "http://localhost:3000" }]);
  });

  it("describes every route, method and status the machine API answers", () => {
    const described = Object.fromEntries(
      Object.entries(doc.paths).flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => [
          `${method.toUpperCase()} ${path}`,
          Object.keys((op as unknown as Operation).responses).sort(),
        ]),
      ),
    );
    expect(described).toEqual({
      "POST /api/events": ["200", "400", "401", "403", "413", "415", "503"],
      "GET /api/events": ["200", "400", "401", "403", "503"],
      "GET /api/streams/{type}/{id}": ["200", "400", "401", "403", "503"],
      "GET /api/openapi.json": ["200"],
      "POST /api/destinations": ["201", "400", "401", "403", "413", "415", "503"],
      "GET /api/destinations/{id}": ["200", "401", "403", "404", "503"],
      "PATCH /api/destinations/{id}": ["200", "400", "401", "403", "404", "409", "413", "415", "503"],
      "POST /api/destinations/{id}/{action}": ["200", "400", "401", "403", "404", "409", "503"],
    });
    const ids = Object.values(doc.paths).flatMap((m) => Object.values(m).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("names the bearer scheme and the scope each operation needs", () => {
    expect(doc.components.securitySchemes).toEqual({
      apiKey: expect.objectContaining({ type: "http", scheme: "bearer" }),
    });
    expect(operation("/api/events", "post").security).toEqual([{ apiKey: ["ingest"] }]);
    expect(operation("/api/events", "post")["x-required-scope"]).toBe("ingest");
    expect(operation("/api/events", "get").security).toEqual([{ apiKey: ["read"] }]);
    expect(operation("/api/streams/{type}/{id}", "get").security).toEqual([{ apiKey: ["read"] }]);
    expect(operation("/api/openapi.json", "get").security).toEqual([]);
  });

  it("refers to its components by $ref, each of which exists, and keeps no stand-alone schema headers", () => {
    const refs = refsIn(doc);
    expect(refs).toEqual(
      expect.arrayContaining([
        "#/components/schemas/IngestRequest",
        "#/components/schemas/EventInput",
        "#/components/schemas/AggregateInput",
        "#/components/schemas/IngestResult",
        "#/components/schemas/Event",
        "#/components/responses/Unauthorized",
      ]),
    );
    for (const r of refs) {
      const target = r
        .slice(2)
        .split("/")
        .reduce<unknown>((node, part) => (node as Record<string, unknown>)?.[part], doc);
      expect(target, r).toBeDefined();
    }
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      expect(schema, name).not.toHaveProperty("$schema");
      expect(schema, name).not.toHaveProperty("$id");
    }
  });

  it("gives path and query parameters with the server's limits", () => {
    const params = (path: string) =>
      Object.fromEntries(operation(path, "get").parameters!.map((p) => [`${p.in}:${p.name}`, p]));
    const read = params("/api/events");
    expect(Object.keys(read)).toEqual(["query:after", "query:group", "query:limit"]);
    expect(read["query:limit"]).toMatchObject({
      required: false,
      schema: { type: "integer", minimum: 1, maximum: 1000 },
    });
    expect(read["query:after"]).toMatchObject({ description: expect.stringContaining("next") });
    const stream = params("/api/streams/{type}/{id}");
    expect(Object.keys(stream)).toEqual(["path:type", "path:id", "query:afterVersion", "query:limit"]);
    expect(stream["path:type"]).toMatchObject({ required: true, schema: { pattern: "^[A-Za-z0-9_.:-]{1,100}$" } });
    expect(stream["path:id"]).toMatchObject({ required: true, schema: { maxLength: 200 } });
  });

  it("has request examples that both the description and the server's own schema accept", () => {
    const body = operation("/api/events", "post").requestBody!.content["application/json"]!;
    expect(Object.keys(body.examples)).toEqual(["one", "batch", "append"]);
    for (const [name, example] of Object.entries(body.examples)) {
      expect(check(body.schema, example.value), name).toEqual([]);
      expect(ingestRequestSchema.safeParse(example.value).success, name).toBe(true);
    }
  });

  it("refuses in its request schema what the server refuses", () => {
    const refused = [
      { group: "has space", key: "k" },
      { group: "g", key: "" },
      { group: "g", key: "k", extra: 1 },
      { group: "g", key: "k", context: [1] },
      { group: "g", key: "k", aggregate: { type: "t", id: "1", expectedVersion: -1 } },
      { group: "g", key: "k", aggregate: { type: "t", id: "1", expectedVersion: 1.5 } },
      { events: [] },
      { events: Array.from({ length: 1001 }, (_, i) => ({ group: "g", key: `k${i}` })) },
      { events: [{ group: "g", key: "k" }], dryRun: true },
    ];
    for (const body of refused) {
      expect(ingestRequestSchema.safeParse(body).success, JSON.stringify(body).slice(0, 60)).toBe(false);
      expect(check(component("IngestRequest"), body), JSON.stringify(body).slice(0, 60)).not.toEqual([]);
    }
  });

  it("describes the error body every refusal carries", () => {
    const body = { error: "Send an API key…", requiredScope: "ingest" };
    expect(apiErrorSchema.parse(body)).toEqual(body);
    expect(check(component("Error"), body)).toEqual([]);
    expect(check(component("Error"), { error: "x", requiredScope: "root" })).not.toEqual([]);
  });
});

describe(`the OpenAPI document against real answers on ${testDriver}`, () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  const responseSchema = (o: Operation) => o.responses["200"]!.content!["application/json"]!.schema;

  it("matches what the engine answers for a mixed batch, a page of events and a stream", async () => {
    const deps = testDeps(database);
    const items = [
      { group: "openapi.check", key: "oa:1", context: { n: 1 }, aggregate: { type: "doc", id: "d1" } },
      { group: "openapi.check", key: "oa:2", aggregate: { type: "doc", id: "d1", expectedVersion: 1 } },
      { group: "openapi.check", key: "oa:3" },
      { group: "no spaces allowed", key: "oa:4" },
      { group: "openapi.check", key: "oa:stale", aggregate: { type: "doc", id: "d2", expectedVersion: 3 } },
      42,
    ];
    items
      .slice(0, 4)
      .forEach((item, i) =>
        expect(check(component("EventInput"), item), JSON.stringify(item)).toEqual(
          i === 3 ? [expect.stringContaining("does not match")] : [],
        ),
      );
    const first = ingestResponseOf(
      await ingestEvents(deps, { items, source: apiSourceOf("00000000-0000-4000-8000-0000000000c3") }),
    );
    const again = ingestResponseOf(
      await ingestEvents(deps, {
        items: items.slice(0, 3),
        source: apiSourceOf("00000000-0000-4000-8000-0000000000c3"),
      }),
    );
    expect(new Set([...first.results, ...again.results].map((r) => r.status))).toEqual(
      new Set(["recorded", "duplicate", "conflict", "invalid"]),
    );
    expect(check(responseSchema(operation("/api/events", "post")), first)).toEqual([]);
    expect(check(responseSchema(operation("/api/events", "post")), again)).toEqual([]);

    const page = await readEvents(deps, { group: "openapi.*", limit: "2" });
    if (!page.ok) throw new Error(page.message);
    expect(page.events).toHaveLength(2);
    const { ok: _ok, ...eventPage } = page;
    expect(check(responseSchema(operation("/api/events", "get")), eventPage)).toEqual([]);

    const stream = await readStream(deps, { type: "doc", id: "d1", limit: "1" });
    if (!stream.ok) throw new Error(stream.message);
    const { ok: _ok2, ...streamPage } = stream;
    expect(streamPage).toMatchObject({ version: 2, nextAfterVersion: 1 });
    expect(check(responseSchema(operation("/api/streams/{type}/{id}", "get")), streamPage)).toEqual([]);
    // The description is held to account too: a body that breaks it must be caught.
    expect(
      check(responseSchema(operation("/api/streams/{type}/{id}", "get")), { ...streamPage, version: "2" }),
    ).not.toEqual([]);
  });
});
