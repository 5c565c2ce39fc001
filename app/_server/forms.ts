import "server-only";
import type { z } from "zod";
import type { FormState } from "@/components/forms/form-state";

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
