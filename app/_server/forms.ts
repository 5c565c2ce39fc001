import "server-only";
import type { z } from "zod";
import type { FormState } from "@/components/forms/form-state";
import { loadedVersion, type StaleEdit } from "@/spark/stale-edits";

const SECRET_FIELDS = new Set(["password", "confirm", "current"]);

/** The form's string values to echo back so inputs refill; never a password. */
export function echoValues(formData: FormData): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of formData) {
    if (typeof value === "string" && !SECRET_FIELDS.has(name) && !name.startsWith("$ACTION")) values[name] = value;
  }
  return values;
}

export function parseForm<S extends z.ZodType>(
  schema: S,
  formData: FormData,
): { ok: true; data: z.output<S> } | { ok: false; state: FormState } {
  const raw = Object.fromEntries([...formData].filter(([, v]) => typeof v === "string"));
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, data: parsed.data };
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of parsed.error.issues) {
    const key = String(issue.path[0] ?? "form");
    (fieldErrors[key] ??= []).push(issue.message);
  }
  return { ok: false, state: { status: "invalid", fieldErrors, values: echoValues(formData) } };
}

export function invalidField(formData: FormData, field: string, message: string): FormState {
  return { status: "invalid", fieldErrors: { [field]: [message] }, values: echoValues(formData) };
}

/**
 * The version an edit form was loaded at (its hidden `version` field). An edit without one, or with a
 * malformed one, is refused rather than saved over whatever is stored now.
 */
export function readLoadedVersion(formData: FormData): { ok: true; version: number } | { ok: false; state: FormState } {
  const parsed = loadedVersion.safeParse(formData.get("version") ?? undefined);
  if (parsed.success && parsed.data !== undefined) return { ok: true, version: parsed.data };
  return {
    ok: false,
    state: {
      status: "error",
      message: "This form did not say which version it was opened at; reload the page. Your values are kept below.",
      values: echoValues(formData),
    },
  };
}

/**
 * A save refused as stale: the message says who changed what and when, and the form keeps every typed
 * value. Its hidden version moves to the current one, so saving again deliberately replaces theirs.
 */
export function staleState(
  formData: FormData,
  stale: StaleEdit,
  values: Record<string, string> = echoValues(formData),
): FormState {
  return {
    status: "error",
    message: `${stale.message} Nothing was saved and your values are still here: save again to replace their changes with yours, or reload the page to start from theirs.`,
    values: { ...values, version: String(stale.version) },
  };
}
