import { z } from "zod";
import { listActiveTemplates } from "@/db/queries/templates";
import type { Db } from "@/db/client";
import { findGeneratorById, listGenerators } from "@/db/queries/generators";
import { listRecentJobRuns } from "@/db/queries/job-runs";
import type { Generator, GeneratorCounts } from "@/db/schema";
import { formatConditions } from "@/spark/generators/conditions";
import type { CodeSource } from "@/spark/sources/types";
import { flashParam, type Params } from "./list-params";
import { listSourceOptions, type SourceOption } from "@/spark/generators/generators";

/** How many of the newest job runs the list searches for each generator's last run. */
const RECENT_RUNS = 50;

export type GeneratorRow = Generator & {
  /** Null when the source is gone (a code source no longer registered, a deleted SQL source). */
  sourceLabel: string | null;
  conditionsText: string;
  lastRun: { runId: number; finishedAt: Date | null; counts: GeneratorCounts } | null;
};

export type GeneratorsView = { generators: GeneratorRow[]; saved: string | null; deleted: string | null };

/**
 * The generators list: each with its source's label, its conditions as text and the counts from the
 * newest of the last job runs that ran it; and what the last form action did.
 */
export async function loadGenerators(
  db: Db,
  {
    params,
    sources,
    recentRuns = RECENT_RUNS,
  }: { params: Params; sources: readonly CodeSource[]; recentRuns?: number },
): Promise<GeneratorsView> {
  const [generators, options, runs] = await Promise.all([
    listGenerators(db),
    listSourceOptions({ db, sources }),
    listRecentJobRuns(db, { limit: recentRuns }),
  ]);
  const labels = new Map(options.map((o) => [o.ref, o.label]));
  const lastRuns = new Map<string, GeneratorRow["lastRun"]>();
  // Runs come newest first, so the first run that names a generator is its last.
  for (const run of runs) {
    for (const counts of run.summary?.generators ?? []) {
      if (!lastRuns.has(counts.id)) lastRuns.set(counts.id, { runId: run.id, finishedAt: run.finishedAt, counts });
    }
  }
  return {
    generators: generators.map((g) => ({
      ...g,
      sourceLabel: labels.get(g.source) ?? null,
      conditionsText: formatConditions(g.conditions),
      lastRun: lastRuns.get(g.id) ?? null,
    })),
    saved: flashParam(params, "saved"),
    deleted: flashParam(params, "deleted"),
  };
}

/** What the new generator form offers: every source with its variables. */
export async function loadNewGenerator(
  db: Db,
  { sources }: { sources: readonly CodeSource[] },
): Promise<{ sources: SourceOption[]; templatePatterns: string[] }> {
  const [options, templatePatterns] = await Promise.all([
    listSourceOptions({ db, sources }),
    activeTemplatePatterns(db),
  ]);
  return { sources: options, templatePatterns };
}

/** The group patterns active templates answer: the form warns when none answers the generator's group. */
async function activeTemplatePatterns(db: Db): Promise<string[]> {
  return (await listActiveTemplates(db)).map((t) => t.groupPattern);
}

/** A generator to edit with the sources its form offers; null for an id that is not one or is gone. */
export async function loadGeneratorEditor(
  db: Db,
  { id, sources }: { id: string; sources: readonly CodeSource[] },
): Promise<{ generator: Generator; sources: SourceOption[]; templatePatterns: string[] } | null> {
  if (!z.uuid().safeParse(id).success) return null;
  const generator = await findGeneratorById(db, { id });
  if (!generator) return null;
  const [options, templatePatterns] = await Promise.all([
    listSourceOptions({ db, sources }),
    activeTemplatePatterns(db),
  ]);
  return { generator, sources: options, templatePatterns };
}
