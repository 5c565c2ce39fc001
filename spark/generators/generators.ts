import { z } from "zod";
import type { Deps } from "../deps";
import { listRecordedKeys } from "@/db/queries/events";
import {
  deleteGeneratorById,
  findGeneratorById,
  insertGenerator,
  updateGeneratorActiveById,
  updateGeneratorById,
} from "@/db/queries/generators";
import { listSqlSources } from "@/db/queries/sql-sources";
import { conditionOperators, type Condition, type Generator, type VariableSpec } from "@/db/schema";
import { checkConditions, compileConditions, formatConditions } from "./conditions";
import { eventKeyOf } from "../events/keys";
import { GROUP_PATTERN } from "../mail/group-pattern";

export { GROUP_PATTERN };
import { codeSourceRef, resolveSource, sqlSourceRef } from "../sources/resolve";
import { changedFields, staleEdit, type StaleEdit } from "../stale-edits";

export { conditionOperators };

export const generatorInput = z.object({
  name: z.string().trim().min(1, "Give the generator a name.").max(100, "Use at most 100 characters."),
  group: z
    .string()
    .trim()
    .min(1, "Enter an event group, like challenge_created.")
    .max(100, "Use at most 100 characters.")
    .regex(GROUP_PATTERN, "Use only letters, digits and _ . : - (no spaces)."),
  source: z.string().min(1, "Choose a source."),
  conditions: z
    .array(
      z.object({
        variable: z.string().min(1, "Choose a variable."),
        operator: z.enum(conditionOperators, "Choose an operator."),
        value: z.string().max(1000).optional(),
      }),
    )
    .max(50, "Use at most 50 conditions."),
  active: z.boolean(),
});
export type GeneratorInput = z.infer<typeof generatorInput>;

/**
 * The generator as the edit form loaded it, posted back so a stale save can name the fields changed
 * since; generators keep no versions to compare with. Only ever used to word the refusal.
 */
export const generatorBase = z.object({
  name: z.string().max(200),
  group: z.string().max(200),
  source: z.string().max(300),
  conditions: z
    .array(
      z.object({ variable: z.string().max(200), operator: z.string().max(20), value: z.string().max(1000).optional() }),
    )
    .max(50),
  active: z.boolean(),
});
export type GeneratorBase = z.infer<typeof generatorBase>;

const GENERATOR_LABELS: Record<keyof GeneratorBase, string> = {
  name: "name",
  group: "event group",
  source: "source",
  conditions: "conditions",
  active: "active",
};

export type SourceOption = {
  ref: string;
  kind: "code" | "sql";
  label: string;
  description: string;
  variables: Record<string, VariableSpec>;
};

/** Every source a generator can pick, code sources first, with their variables for the form. */
export async function listSourceOptions(deps: Pick<Deps, "db" | "sources">): Promise<SourceOption[]> {
  const sql = await listSqlSources(deps.db);
  return [
    ...deps.sources.map((s) => ({
      ref: codeSourceRef(s.name),
      kind: "code" as const,
      label: s.label,
      description: s.description,
      variables: s.variables,
    })),
    ...sql.map((s) => ({
      ref: sqlSourceRef(s.id),
      kind: "sql" as const,
      label: s.name,
      description: s.description,
      variables: s.variables,
    })),
  ];
}

export type SaveResult =
  | { status: "ok"; generator: Generator }
  | { status: "invalid"; fieldErrors: Record<string, string[]> }
  | { status: "gone" }
  | StaleEdit;

/**
 * Saves a generator after checking what a form cannot: the source exists, and each condition's operator
 * and value fit its variable's type. Field errors are keyed `conditions.<i>.<field>` for the form's rows.
 * With `version` (the one the form was loaded at), a save over a newer change is refused as stale,
 * naming the fields that differ from `base` (the generator as the form loaded it) when it is given.
 */
export async function saveGenerator(
  deps: Deps,
  {
    id,
    version,
    input,
    base,
    by = null,
  }: { id?: string; version?: number; input: GeneratorInput; base?: GeneratorBase; by?: string | null },
): Promise<SaveResult> {
  const options = await listSourceOptions(deps);
  const source = options.find((o) => o.ref === input.source);
  if (!source) return { status: "invalid", fieldErrors: { source: ["Choose one of the listed sources."] } };
  // A key is "<group>:<id>": with a ":" in the group, group "a:b" with id 1 and group "a" with id "b:1"
  // would share the key a:b:1, and one would never fire. Generators that already have one keep it.
  if (input.group.includes(":")) {
    const current = id ? await findGeneratorById(deps.db, { id }) : null;
    if (current?.group !== input.group)
      return {
        status: "invalid",
        fieldErrors: {
          group: [
            'A new group cannot contain ":": events are keyed "<group>:<id>", so a ":" in the group lets two generators make the same key. Use . _ or - instead.',
          ],
        },
      };
  }
  const problems = checkConditions(input.conditions, source.variables);
  if (problems.length > 0) {
    const fieldErrors: Record<string, string[]> = {};
    for (const p of problems) (fieldErrors[`conditions.${p.index}.${p.field}`] ??= []).push(p.message);
    return { status: "invalid", fieldErrors };
  }
  const conditions: Condition[] = input.conditions.map((c) =>
    c.operator === "is empty" || c.operator === "is not empty" ? { variable: c.variable, operator: c.operator } : c,
  );
  const values = { name: input.name, group: input.group, source: input.source, conditions, active: input.active };
  if (!id) {
    const generator = await insertGenerator(deps.db, { ...values, updatedBy: by });
    return generator
      ? { status: "ok", generator }
      : { status: "invalid", fieldErrors: { name: ["Another generator has this name."] } };
  }
  const updated = await updateGeneratorById(deps.db, { id, version, changes: values, by, at: deps.clock() });
  if (updated === "taken") return { status: "invalid", fieldErrors: { name: ["Another generator has this name."] } };
  // No version table for generators: which fields changed is told against the form's loaded copy, if sent.
  if (updated && "stale" in updated) {
    const { name, group, source, conditions, active } = updated.stale;
    const current = { name, group, source, conditions, active };
    return staleEdit(deps, updated.stale, changedFields(base ?? null, current, GENERATOR_LABELS));
  }
  return updated ? { status: "ok", generator: updated } : { status: "gone" };
}

export type Preview = {
  candidates: number;
  truncated: boolean;
  funnel: { condition: string; passing: number }[];
  passed: number;
  sample: { key: string; context: Record<string, unknown>; recorded: boolean }[];
  error?: string;
};

/**
 * A dry run: how many candidates pass each condition in turn, and a sample of the events it would
 * create, each marked new or already recorded. It writes nothing.
 */
export async function previewGenerator(
  deps: Deps,
  {
    source: ref,
    group,
    conditions,
    maxCandidates = 100_000,
    sampleSize = 20,
  }: { source: string; group: string; conditions: Condition[]; maxCandidates?: number; sampleSize?: number },
): Promise<Preview> {
  const preview: Preview = {
    candidates: 0,
    truncated: false,
    funnel: conditions.map((c) => ({ condition: formatConditions([c]), passing: 0 })),
    passed: 0,
    sample: [],
  };
  try {
    const source = await resolveSource(deps, { ref });
    const problems = checkConditions(conditions, source.variables);
    if (problems.length > 0)
      return { ...preview, error: `Condition ${problems[0]!.index + 1}: ${problems[0]!.message}` };
    const { tests } = compileConditions(conditions, source.variables);
    const sample: { key: string; context: Record<string, unknown> }[] = [];
    for await (const batch of source.batches({
      db: deps.db,
      clock: deps.clock,
      batchSize: deps.settings.batchSize,
      connections: deps.connections,
    })) {
      for (const candidate of batch) {
        if (preview.candidates >= maxCandidates) {
          preview.truncated = true;
          break;
        }
        preview.candidates++;
        let passing = true;
        for (let i = 0; i < tests.length && passing; i++) {
          passing = tests[i]!(candidate.context);
          if (passing) preview.funnel[i]!.passing++;
        }
        if (!passing) continue;
        preview.passed++;
        if (sample.length < sampleSize)
          sample.push({ key: eventKeyOf(group, candidate.id), context: candidate.context });
      }
      if (preview.truncated) break;
    }
    const recorded = await listRecordedKeys(deps.db, { keys: sample.map((s) => s.key) });
    preview.sample = sample.map((s) => ({ ...s, recorded: recorded.has(s.key) }));
    return preview;
  } catch (error) {
    return { ...preview, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Pauses or resumes a generator. */
export async function setGeneratorActive(
  deps: Deps,
  { id, active, by = null }: { id: string; active: boolean; by?: string | null },
) {
  return updateGeneratorActiveById(deps.db, { id, active, by, at: deps.clock() });
}

/** Deletes a generator; the events it recorded stay, so their keys are still handled once. */
export async function deleteGenerator(deps: Deps, { id }: { id: string }): Promise<boolean> {
  return deleteGeneratorById(deps.db, { id });
}
