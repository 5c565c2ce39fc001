"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { getEngine } from "@/app/_server/engine";
import { echoValues, readLoadedVersion, staleState } from "@/app/_server/forms";
import { requireSession } from "@/app/_server/session";
import type { FormState } from "@/components/forms/form-state";
import {
  conditionOperators,
  deleteGenerator,
  generatorBase,
  generatorInput,
  previewGenerator,
  saveGenerator,
  setGeneratorActive,
  type GeneratorBase,
  type Preview,
} from "@/spark/generators/generators";

const PATH = "/generators";

/** Condition rows arrive as `conditions.<i>.<field>`; rows keep the order the operator gave them. */
function readGeneratorForm(formData: FormData) {
  const rows = new Map<number, Record<string, string>>();
  for (const [name, value] of formData) {
    const match = /^conditions\.(\d{1,3})\.(variable|operator|value)$/.exec(name);
    if (!match || typeof value !== "string") continue;
    const index = Number(match[1]);
    rows.set(index, { ...rows.get(index), [match[2]!]: value });
  }
  const text = (name: string) => formData.get(name)?.toString() ?? "";
  return {
    name: text("name"),
    group: text("group"),
    source: text("source"),
    conditions: [...rows.entries()].sort(([a], [b]) => a - b).map(([, row]) => row),
    active: formData.get("active") === "on",
  };
}

/** The generator as the form loaded it (hidden `base`), for naming what changed if the save is stale. */
function readBase(formData: FormData): GeneratorBase | undefined {
  const raw = formData.get("base");
  if (typeof raw !== "string" || raw.length > 100_000) return undefined;
  try {
    const parsed = generatorBase.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function invalid(formData: FormData, fieldErrors: Record<string, string[]>): FormState {
  return { status: "invalid", fieldErrors, values: echoValues(formData) };
}

export async function saveGeneratorAction(id: string | null, _prev: FormState, formData: FormData): Promise<FormState> {
  const { operator } = await requireSession();
  const loaded = id ? readLoadedVersion(formData) : null;
  if (loaded && !loaded.ok) return loaded.state;
  const parsed = generatorInput.safeParse(readGeneratorForm(formData));
  if (!parsed.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of parsed.error.issues) (fieldErrors[issue.path.join(".") || "form"] ??= []).push(issue.message);
    return invalid(formData, fieldErrors);
  }
  const { deps } = await getEngine();
  const result = await saveGenerator(deps, {
    id: id ?? undefined,
    version: loaded?.version,
    input: parsed.data,
    base: readBase(formData),
    by: operator.id,
  });
  if (result.status === "invalid") return invalid(formData, result.fieldErrors);
  if (result.status === "stale") return staleState(formData, result);
  if (result.status === "gone")
    return {
      status: "error",
      message: "This generator was deleted meanwhile; go back to the list.",
      values: echoValues(formData),
    };
  revalidatePath(PATH);
  redirect(`${PATH}?saved=${encodeURIComponent(result.generator.name)}`);
}

const idInput = z.object({ id: z.uuid() });

export async function setGeneratorActiveAction(
  active: boolean,
  _prev: FormState,
  formData: FormData,
): Promise<FormState> {
  const { operator } = await requireSession();
  const parsed = idInput.safeParse({ id: formData.get("id") });
  if (!parsed.success) return { status: "error", message: "Unknown generator; reload the page." };
  const { deps } = await getEngine();
  await setGeneratorActive(deps, { id: parsed.data.id, active, by: operator.id });
  revalidatePath(PATH);
  return { status: "ok", message: active ? "Active: the next pass runs it." : "Paused: passes skip it." };
}

export async function deleteGeneratorAction(_prev: FormState, formData: FormData): Promise<FormState> {
  await requireSession();
  const parsed = idInput.safeParse({ id: formData.get("id") });
  if (!parsed.success) return { status: "error", message: "Unknown generator; reload the page." };
  const { deps } = await getEngine();
  const deleted = await deleteGenerator(deps, { id: parsed.data.id });
  revalidatePath(PATH);
  redirect(deleted ? `${PATH}?deleted=${encodeURIComponent(formData.get("name")?.toString() ?? "")}` : PATH);
}

const previewInput = z.object({
  source: z.string().min(1).max(200),
  group: z.string().max(100),
  conditions: z
    .array(
      z.object({
        variable: z.string().max(200),
        operator: z.enum(conditionOperators),
        value: z.string().max(1000).optional(),
      }),
    )
    .max(50),
});

export type PreviewResult = { ok: true; preview: Preview } | { ok: false; message: string };

/** A dry run from the form's current values, saved or not; it records nothing. */
export async function previewGeneratorAction(input: unknown): Promise<PreviewResult> {
  await requireSession();
  const parsed = previewInput.safeParse(input);
  if (!parsed.success)
    return { ok: false, message: "Choose a source and complete each condition (variable and operator) to preview." };
  const { deps } = await getEngine();
  const preview = await previewGenerator(deps, { ...parsed.data, group: parsed.data.group || "group" });
  return { ok: true, preview };
}
