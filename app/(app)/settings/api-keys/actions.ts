"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { getEngine } from "@/app/_server/engine";
import { requireAdmin } from "@/app/_server/session";
import type { FormState } from "@/components/forms/form-state";
import { apiKeyInputSchema, createApiKey, listKeys, revokeApiKey } from "@/spark/api-keys/api-keys";

const PATH = "/settings/api-keys";

// Bounds on what a post may carry before the engine's own rules judge it: a scripted post cannot make
// the server hold megabytes of "scopes".
const createForm = z.object({
  name: z.string().max(1_000, "A name is at most 100 characters."),
  scopes: z.array(z.string().max(50)).max(10, "Pick among the three scopes listed."),
});

/**
 * Creates a key and hands its secret back in the one answer that will ever hold it: the ok message.
 * The page never reads it again, so reloading cannot show it; the echoed values never hold it either.
 */
export async function createApiKeyAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const { operator } = await requireAdmin();
  const raw = {
    name: typeof formData.get("name") === "string" ? (formData.get("name") as string) : "",
    scopes: formData.getAll("scopes").filter((s): s is string => typeof s === "string"),
  };
  const values = { name: raw.name.slice(0, 1_000), scopes: raw.scopes.slice(0, 10).join(",").slice(0, 200) };
  const bounded = createForm.safeParse(raw);
  const parsed = apiKeyInputSchema.safeParse(bounded.success ? bounded.data : {});
  if (!bounded.success || !parsed.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of (bounded.error ?? parsed.error)!.issues) {
      const field = issue.path[0] === "scopes" ? "scopes" : "name";
      (fieldErrors[field] ??= []).push(issue.message);
    }
    return { status: "invalid", fieldErrors, values };
  }
  const { deps } = await getEngine();
  const result = await createApiKey(deps, { input: parsed.data, by: operator.id });
  if (!result.ok) return { status: "invalid", fieldErrors: { [result.field]: [result.message] }, values };
  revalidatePath(PATH);
  return { status: "ok", message: result.key.secret };
}

const revokeForm = z.object({ id: z.uuid() });

/** Revoking a key already revoked (a double click, a replayed post) answers as a success and changes nothing. */
export async function revokeApiKeyAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const { operator } = await requireAdmin();
  const parsed = revokeForm.safeParse({ id: formData.get("id") });
  if (!parsed.success) return { status: "error", message: "Unknown API key; reload the page." };
  const { deps } = await getEngine();
  const revoked = await revokeApiKey(deps, { id: parsed.data.id, by: operator.id });
  revalidatePath(PATH);
  if (revoked) return { status: "ok", message: "Revoked: requests with this key are refused from now on." };
  const key = (await listKeys(deps)).find((k) => k.id === parsed.data.id);
  if (!key) return { status: "error", message: "Unknown API key; reload the page." };
  return { status: "ok", message: "This key was already revoked." };
}
