import type { z } from "zod";
import { describe, expectTypeOf, it } from "vitest";
import type { aggregateSchema, eventInputSchema } from "@/spark/events/input";
import type { ingestResponseSchema, ingestResultSchema } from "@/spark/producers/ingest";
import type { apiErrorSchema } from "@/spark/producers/openapi";
import type { apiEventSchema, readEventsResponseSchema, readStreamResponseSchema } from "@/spark/producers/read";
import type {
  SparkAggregateInput,
  SparkErrorBody,
  SparkEvent,
  SparkEventInput,
  SparkEventPage,
  SparkIngestResponse,
  SparkIngestResult,
  SparkStreamPage,
} from "./spark-client";

// The client is one file applications copy, so it declares its types itself; these checks (run by
// `npm run typecheck` as much as by Vitest) fail as soon as a server schema and the client disagree.
describe("the client's types match the server's schemas", () => {
  it("sends what the server accepts", () => {
    expectTypeOf<SparkEventInput>().toEqualTypeOf<z.input<typeof eventInputSchema>>();
    expectTypeOf<SparkAggregateInput>().toEqualTypeOf<z.input<typeof aggregateSchema>>();
  });

  it("reads what the server answers", () => {
    expectTypeOf<SparkIngestResult>().toEqualTypeOf<z.output<typeof ingestResultSchema>>();
    expectTypeOf<SparkIngestResponse>().toEqualTypeOf<z.output<typeof ingestResponseSchema>>();
    expectTypeOf<SparkEvent>().toEqualTypeOf<z.output<typeof apiEventSchema>>();
    expectTypeOf<SparkEventPage>().toEqualTypeOf<z.output<typeof readEventsResponseSchema>>();
    expectTypeOf<SparkStreamPage>().toEqualTypeOf<z.output<typeof readStreamResponseSchema>>();
    expectTypeOf<SparkErrorBody>().toEqualTypeOf<z.output<typeof apiErrorSchema>>();
  });
});
