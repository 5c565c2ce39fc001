import type { Handler } from "@/spark/events/handlers";
import type { CodeSource } from "@/spark/sources/types";
import type { CodeSubscriber } from "@/spark/subscriptions/subscribers";

/**
 * Your own code, registered at start: sources written in TypeScript (django-spark's `Generator.SOURCES`)
 * and handlers run on every new event whose group they match, in this order, in the event's
 * transaction. See demo/challenges.ts for a source and spark/events/handlers.ts for the handler shape.
 */
export const sources: CodeSource[] = [];
export const handlers: Handler[] = [];
/** Destinations in code: a subscription of kind "code" names one, and gets events of its pattern in commit order. */
export const subscribers: CodeSubscriber[] = [];
