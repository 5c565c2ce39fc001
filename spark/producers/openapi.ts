import { z } from "zod";
import { aggregateSchema, eventInputSchema, EVENT_LIMITS } from "../events/input";
import { apiKeyScopes, type ApiKeyScope } from "../api-keys/api-keys";
import { ingestRequestSchema, ingestResponseSchema, ingestResultSchema, INGEST_LIMITS } from "./ingest";
import {
  apiEventSchema,
  readEventsQuerySchema,
  readEventsResponseSchema,
  readStreamQuerySchema,
  readStreamResponseSchema,
  READ_LIMITS,
} from "./read";
import {
  destinationCreatedSchema,
  destinationRequestSchema,
  destinationStateSchema,
  destinationUpdateSchema,
  replayRequestSchema,
  resetRequestSchema,
} from "../subscriptions/api";

/**
 * What every machine route answers when it refuses a whole request (app/_server/api.ts jsonError and
 * the API-key check); declared here because the routes build it by hand rather than through a schema.
 */
export const apiErrorSchema = z.object({
  error: z.string().describe("What was wrong and what to send instead."),
  requiredScope: z
    .enum(apiKeyScopes)
    .optional()
    .describe("On 401 and 403: the scope the key needs for this operation."),
});
export type ApiError = z.infer<typeof apiErrorSchema>;

type JsonSchema = Record<string, unknown>;
export type OpenApiDocument = {
  openapi: "3.1.0";
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  paths: Record<string, Record<string, JsonSchema>>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, JsonSchema>;
    securitySchemes: Record<string, JsonSchema>;
  };
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const responseRef = (name: string) => ({ $ref: `#/components/responses/${name}` });

/**
 * The components of one side of the API: request schemas are described as the server accepts them
 * (zod's input side: defaults optional, coercions as sent), responses as it produces them (output).
 */
function componentsOf(io: "input" | "output", named: Record<string, z.ZodType>): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    io,
    unrepresentable: "any",
    uri: (id) => `#/components/schemas/${id}`,
  });
  // Each is a fragment of this document, not a standalone schema: OpenAPI 3.1's dialect applies.
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _dialect, $id: _id, ...schema }]) => [id, schema as JsonSchema]),
  );
}

/** An object schema's properties as OpenAPI parameters (query or path), each with its own schema. */
function parametersOf(
  schema: z.ZodObject,
  where: "query" | "path",
  names: readonly string[],
): { name: string; in: string; required: boolean; description?: string; schema: JsonSchema }[] {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as {
    properties: Record<string, JsonSchema & { description?: string }>;
    required?: string[];
  };
  return names.map((name) => {
    const property = json.properties[name];
    if (!property) throw new Error(`${name} is not a field of the query schema`);
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === "path" || (json.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

const bearer = (scope: ApiKeyScope) => [{ apiKey: [scope] }];

const scopeNote = (scope: ApiKeyScope) =>
  `Needs an API key with the \`${scope}\` scope (or \`admin\`), sent as \`Authorization: Bearer spk_…\`.`;

function buildDocument(publicUrl: string): OpenApiDocument {
  const schemas = {
    ...componentsOf("input", {
      EventInput: eventInputSchema,
      AggregateInput: aggregateSchema,
      IngestRequest: ingestRequestSchema,
      DestinationRequest: destinationRequestSchema,
      DestinationUpdate: destinationUpdateSchema,
      ReplayRequest: replayRequestSchema,
      ResetRequest: resetRequestSchema,
    }),
    ...componentsOf("output", {
      IngestResult: ingestResultSchema,
      IngestResponse: ingestResponseSchema,
      Event: apiEventSchema,
      EventPage: readEventsResponseSchema,
      StreamPage: readStreamResponseSchema,
      Error: apiErrorSchema,
      DestinationCreated: destinationCreatedSchema,
      DestinationState: destinationStateSchema,
      Replayed: z.object({ replayed: z.number().int() }),
      ResetDone: z.object({ resend: z.number().int() }),
      ResetToConfirm: apiErrorSchema.extend({ resend: z.number().int() }),
    }),
  };
  const error = (description: string, headers?: Record<string, JsonSchema>) => ({
    description,
    ...(headers ? { headers } : {}),
    content: { "application/json": { schema: ref("Error") } },
  });
  const responses = {
    BadRequest: error(
      "The request as a whole is wrong (not JSON, not an event or a batch, a bad query); `error` says what to fix.",
    ),
    Unauthorized: error("No API key, or one Spark does not know or has revoked.", {
      "WWW-Authenticate": { description: 'Always `Bearer realm="spark"`.', schema: { type: "string" } },
    }),
    Forbidden: error("The key is live but lacks the scope named in `requiredScope`."),
    PayloadTooLarge: error(`The body is over ${INGEST_LIMITS.bytes} bytes (1 MiB); split the batch.`),
    UnsupportedMediaType: error("The body is not sent as `Content-Type: application/json`."),
    NotFound: error("No destination has this id."),
    Unavailable: error("The server is shutting down; send the request again shortly.", {
      "Retry-After": { description: "Seconds to wait.", schema: { type: "integer" } },
    }),
  };
  const guarded = {
    "401": responseRef("Unauthorized"),
    "403": responseRef("Forbidden"),
    "503": responseRef("Unavailable"),
  };

  return {
    openapi: "3.1.0",
    info: {
      title: "Spark machine API",
      version: "1",
      description: [
        "Hand Spark events from any application, exactly once, and read them back in the order their transactions committed.",
        "",
        "A key is recorded once, ever: sending it again answers `duplicate` and changes nothing, so a producer can always retry a request whose answer it did not get. " +
          "Recorded events run through the same handlers and mail as generated ones, in the same transaction.",
        "",
        "Create a key under Settings → API keys, or with `npm run api-key -- create <name> --scopes ingest,read`.",
      ].join("\n"),
    },
    servers: [{ url: publicUrl }],
    paths: {
      "/api/events": {
        post: {
          operationId: "recordEvents",
          summary: "Record one event or a batch",
          description: [
            `Send one event, or \`{"events": [...]}\` with up to ${INGEST_LIMITS.events} of them, in at most 1 MiB of JSON. ` +
              "The answer is 200 with one result per item, in the order sent; one bad item fails alone.",
            "",
            `A key is 1–${EVENT_LIMITS.keyLength} characters; a context is a JSON object of at most ${EVENT_LIMITS.contextBytes / 1024} KiB nested at most ${EVENT_LIMITS.contextDepth} deep, without NUL or lone surrogates.`,
            "",
            "With `aggregate`, the event is appended to that aggregate's stream with the next version. With `aggregate.expectedVersion`, " +
              "a stream at another version answers `conflict` with `currentVersion`, and nothing of that aggregate in the request is recorded: " +
              "one aggregate's items in one request are appended in order, all or none.",
            "",
            "A context may carry `spark_mail` (recipients, subject and body of its own) only with a key that also has the `mail` scope; " +
              "without it that item is `invalid` and nothing of it is recorded.",
            "",
            scopeNote("ingest"),
          ].join("\n"),
          security: bearer("ingest"),
          "x-required-scope": "ingest",
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: ref("IngestRequest"),
                examples: {
                  one: {
                    summary: "One event",
                    value: { group: "signup", key: "signup:42", context: { email: "ada@example.com" } },
                  },
                  batch: {
                    summary: "A batch",
                    value: {
                      events: [
                        { group: "order.paid", key: "order:1001:paid", context: { total: 49.5 } },
                        { group: "order.paid", key: "order:1002:paid", context: { total: 12 } },
                      ],
                    },
                  },
                  append: {
                    summary: "Append to an aggregate at a known version",
                    value: {
                      group: "cart.item_added",
                      key: "cart:7:3",
                      context: { sku: "TEA-1" },
                      aggregate: { type: "cart", id: "7", expectedVersion: 2 },
                    },
                  },
                },
              },
            },
          },
          responses: {
            "200": {
              description: "One result per item, and how many of each status.",
              content: {
                "application/json": {
                  schema: ref("IngestResponse"),
                  example: {
                    results: [{ key: "signup:42", status: "recorded", id: 1 }],
                    recorded: 1,
                    duplicate: 0,
                    conflict: 0,
                    invalid: 0,
                    failed: 0,
                  },
                },
              },
            },
            "400": responseRef("BadRequest"),
            "413": responseRef("PayloadTooLarge"),
            "415": responseRef("UnsupportedMediaType"),
            ...guarded,
          },
        },
        get: {
          operationId: "readEvents",
          summary: "Read events in commit order",
          description: [
            "Events in the order their transactions committed, after a cursor. Follow `next` to read on: a reader that does never misses " +
              "an event whose transaction committed late. `next` may move on a page with no events (the events scanned past did not match `group`); " +
              "pass it back as it is, it is not a number to compute with.",
            "",
            scopeNote("read"),
          ].join("\n"),
          security: bearer("read"),
          "x-required-scope": "read",
          parameters: parametersOf(readEventsQuerySchema, "query", ["after", "group", "limit"]),
          responses: {
            "200": { description: "A page of events.", content: { "application/json": { schema: ref("EventPage") } } },
            "400": responseRef("BadRequest"),
            ...guarded,
          },
        },
      },
      "/api/streams/{type}/{id}": {
        get: {
          operationId: "readStream",
          summary: "Read one aggregate's stream",
          description: [
            `One aggregate's events in version order, up to ${READ_LIMITS.max} a page, with the stream's current version (0 when it has none). ` +
              "Percent-encode `type` and `id` as path segments.",
            "",
            scopeNote("read"),
          ].join("\n"),
          security: bearer("read"),
          "x-required-scope": "read",
          parameters: [
            ...parametersOf(readStreamQuerySchema, "path", ["type", "id"]),
            ...parametersOf(readStreamQuerySchema, "query", ["afterVersion", "limit"]),
          ],
          responses: {
            "200": {
              description: "A page of the stream.",
              content: { "application/json": { schema: ref("StreamPage") } },
            },
            "400": responseRef("BadRequest"),
            ...guarded,
          },
        },
      },
      "/api/destinations": {
        post: {
          operationId: "createDestination",
          summary: "Subscribe a webhook or a code subscriber to a group pattern",
          description: [
            "Creates a subscription reading the events of `groups` in commit order from `from` (the beginning, now, or an ISO time) " +
              "and handing them to a webhook (`url`, which must resolve to public addresses) or to a code subscriber registered on the server (`subscriber`). " +
              "A webhook's signing secret is in the answer, this once.",
            "",
            scopeNote("admin"),
          ].join("\n"),
          security: bearer("admin"),
          "x-required-scope": "admin",
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: ref("DestinationRequest"),
                example: {
                  name: "billing",
                  kind: "webhook",
                  url: "https://billing.example.com/hooks/spark",
                  groups: "order.*",
                },
              },
            },
          },
          responses: {
            "201": {
              description: "Created: its id, and a webhook's secret.",
              content: { "application/json": { schema: ref("DestinationCreated") } },
            },
            "400": responseRef("BadRequest"),
            "413": responseRef("PayloadTooLarge"),
            "415": responseRef("UnsupportedMediaType"),
            ...guarded,
          },
        },
      },
      "/api/destinations/{id}": {
        get: {
          operationId: "readDestination",
          summary: "A destination's state, lag, backlog and last error",
          description: scopeNote("admin"),
          security: bearer("admin"),
          "x-required-scope": "admin",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } }],
          responses: {
            "200": { description: "Its state.", content: { "application/json": { schema: ref("DestinationState") } } },
            "404": responseRef("NotFound"),
            ...guarded,
          },
        },
        patch: {
          operationId: "updateDestination",
          summary: "Change a destination in place",
          description: [
            "What the body names changes; what it leaves out stays. The kind, the checkpoint, the backlog and a webhook's signing secret never change: the events after the checkpoint go where it now says. " +
              "Send the `version` a GET answered to refuse the change (409) if someone changed it since.",
            scopeNote("admin"),
          ].join("\n\n"),
          security: bearer("admin"),
          "x-required-scope": "admin",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } }],
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: ref("DestinationUpdate"),
                example: { version: 3, url: "https://billing.example.com/hooks/spark-v2", attemptLimit: 12 },
              },
            },
          },
          responses: {
            "200": {
              description: "Its new state.",
              content: { "application/json": { schema: ref("DestinationState") } },
            },
            "400": responseRef("BadRequest"),
            "404": responseRef("NotFound"),
            "409": {
              description: "It changed since `version`: who changed what, and the version now.",
              content: {
                "application/json": { schema: ref("Error") },
              },
            },
            "413": responseRef("PayloadTooLarge"),
            "415": responseRef("UnsupportedMediaType"),
            ...guarded,
          },
        },
      },
      "/api/destinations/{id}/{action}": {
        post: {
          operationId: "steerDestination",
          summary: "Pause, resume, replay events, or reset the checkpoint",
          description: [
            "`pause` and `resume` answer the new state. `replay` puts events back in line and answers how many: the ones named in `eventIds` (parked, or already delivered: sent again with the same webhook-id; not on a strict-order destination), or without it every parked one. " +
              "`reset` moves the checkpoint to `to`; it first answers 409 with the number of events it would re-send, and goes ahead when sent again with that number as `confirmedCount`.",
            "",
            scopeNote("admin"),
          ].join("\n"),
          security: bearer("admin"),
          "x-required-scope": "admin",
          parameters: [
            { name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } },
            { name: "action", in: "path", required: true, schema: { enum: ["pause", "resume", "replay", "reset"] } },
          ],
          requestBody: {
            required: false,
            content: {
              "application/json": {
                schema: { oneOf: [ref("ReplayRequest"), ref("ResetRequest")] },
              },
            },
          },
          responses: {
            "200": {
              description: "Done.",
              content: {
                "application/json": {
                  schema: { oneOf: [ref("DestinationState"), ref("Replayed"), ref("ResetDone")] },
                },
              },
            },
            "400": responseRef("BadRequest"),
            "404": responseRef("NotFound"),
            "409": {
              description: "A reset that re-sends events: confirm with `confirmedCount`.",
              content: { "application/json": { schema: ref("ResetToConfirm") } },
            },
            ...guarded,
          },
        },
      },
      "/api/openapi.json": {
        get: {
          operationId: "describeApi",
          summary: "This document",
          security: [],
          responses: {
            "200": {
              description: "The OpenAPI 3.1 document.",
              content: { "application/json": { schema: { type: "object" } } },
            },
          },
        },
      },
    },
    components: {
      schemas,
      responses,
      securitySchemes: {
        apiKey: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "spk_…",
          description:
            "An API key from Settings → API keys or `npm run api-key -- create`. Its scopes: `ingest` (record), `read` (read events and streams), `admin` (everything). " +
            "Each operation names the scope it needs in its security requirement and in `x-required-scope`.",
        },
      },
    },
  };
}

const documents = new Map<string, OpenApiDocument>();

/** The API's description for a server answering at `publicUrl`: built once per address, then reused. */
export function openApiDocument({ publicUrl }: { publicUrl: string }): OpenApiDocument {
  let document = documents.get(publicUrl);
  if (!document) {
    document = buildDocument(publicUrl);
    documents.set(publicUrl, document);
  }
  return document;
}
