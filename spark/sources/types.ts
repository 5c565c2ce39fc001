import type { Db } from "@/db/client";
import type { Connections } from "../connections";
import type { VariableSpec } from "@/db/schema";

/** What a source reads with: code sources may read Spark's database and the connections (the demo reads the sample one). */
export type SourceContext = { db: Db; clock: () => Date; batchSize: number; connections?: Connections };

/** What every source yields: a stable id and the variables conditions and templates read. */
export type SourceCandidate = { id: string; context: Record<string, unknown> };

/**
 * A source written in TypeScript and registered in spark/sources (django-spark's
 * `Generator.SOURCES`). `candidates` yields batches, so a large table is never held in memory.
 */
export type CodeSource<C extends { id: string | number } = { id: string | number }> = {
  name: string;
  label: string;
  description: string;
  variables: Record<string, VariableSpec>;
  candidates(ctx: SourceContext): AsyncIterable<C[]>;
  context(candidate: C, ctx: SourceContext): Record<string, unknown>;
};

/** A source ready to run, whichever kind it is. */
export type ResolvedSource = {
  ref: string;
  label: string;
  variables: Record<string, VariableSpec>;
  batches(ctx: SourceContext): AsyncIterable<SourceCandidate[]>;
};

export class SourceError extends Error {
  override name = "SourceError";
}
