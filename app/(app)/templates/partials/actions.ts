"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { getEngine } from "@/app/_server/engine";
import { echoValues, parseForm, readLoadedVersion, staleState } from "@/app/_server/forms";
import { requireSession } from "@/app/_server/session";
import type { FormState } from "@/components/forms/form-state";
import {
  deletePartial,
  partialInput,
  previewPartial,
  restorePartialVersion,
  savePartial,
  type PartialPreview,
} from "@/spark/mail/partials";

const PATH = "/templates/partials";

export async function savePartialAction(id: string | null, _prev: FormState, formData: FormData): Promise<FormState> {
  const { operator } = await requireSession();
  const loaded = id ? readLoadedVersion(formData) : null;
  if (loaded && !loaded.ok) return loaded.state;
  const parsed = parseForm(partialInput, formData);
  if (!parsed.ok) return parsed.state;
  const { deps } = await getEngine();
  const result = await savePartial(deps, {
    id: id ?? undefined,
    version: loaded?.version,
    input: parsed.data,
    by: operator.id,
  });
  if (result.status === "invalid")
    return { status: "invalid", fieldErrors: result.fieldErrors, values: echoValues(formData) };
  if (result.status === "stale") return staleState(formData, result);
  if (result.status === "gone")
    return {
      status: "error",
      message: "It was deleted meanwhile; go back to the list. Your values are kept below.",
      values: echoValues(formData),
    };
  revalidatePath(PATH);
  redirect(`${PATH}/${result.partial.id}?saved=${result.partial.version}`);
}

const previewShape = z.object({
  name: z.string().max(100),
  kind: z.enum(["partial", "layout"]),
  body: z.string().max(300_000),
});

/** The live preview: the unsaved body rendered with the sample context. */
export async function previewPartialAction(
  id: string | null,
  fields: unknown,
  contextJson: unknown,
): Promise<PartialPreview> {
  await requireSession();
  const f = previewShape.safeParse(fields);
  const c = z.string().max(70_000).safeParse(contextJson);
  if (!f.success || !c.success) return { html: null, error: "The preview got a malformed request; reload the page." };
  let context: unknown;
  try {
    context = JSON.parse(c.data || "{}");
  } catch (error) {
    return { html: null, error: `The sample context does not parse: ${(error as Error).message}` };
  }
  if (!context || typeof context !== "object" || Array.isArray(context))
    return { html: null, error: 'The sample context must be a JSON object, like { "owner_name": "Ada" }.' };
  const { deps } = await getEngine();
  return previewPartial(deps, { id: id ?? undefined, input: f.data, context: context as Record<string, unknown> });
}

const idInput = z.object({ id: z.uuid() });

export async function deletePartialAction(_prev: FormState, formData: FormData): Promise<FormState> {
  await requireSession();
  const parsed = idInput.safeParse({ id: formData.get("id") });
  if (!parsed.success) return { status: "error", message: "Unknown partial; reload the page." };
  const { deps } = await getEngine();
  const result = await deletePartial(deps, parsed.data);
  if (!result.ok) return { status: "error", message: result.message };
  revalidatePath(PATH);
  redirect(`${PATH}?deleted=${encodeURIComponent(result.name)}`);
}

export async function restorePartialVersionAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const { operator } = await requireSession();
  const parsed = z
    .object({ id: z.uuid(), version: z.coerce.number().int().positive() })
    .safeParse({ id: formData.get("id"), version: formData.get("version") });
  if (!parsed.success) return { status: "error", message: "Unknown version; reload the page." };
  const { deps } = await getEngine();
  const result = await restorePartialVersion(deps, { ...parsed.data, by: operator.id });
  if (result.status === "invalid")
    return {
      status: "error",
      message: `The old version no longer validates: ${Object.values(result.fieldErrors).flat().join(" ")}`,
    };
  if (result.status === "gone") return { status: "error", message: "That version no longer exists." };
  if (result.status === "stale") return { status: "error", message: result.message };
  revalidatePath(PATH);
  redirect(`${PATH}/${parsed.data.id}?restored=${parsed.data.version}`);
}
