/** The one shape every server action returns to its form. */
export type FormState =
  | { status: "idle" }
  | { status: "ok"; message?: string }
  | { status: "invalid"; fieldErrors: Record<string, string[]>; values: Record<string, string> }
  | { status: "error"; message: string; values?: Record<string, string> };

export const idleState: FormState = { status: "idle" };

export function fieldError(state: FormState, name: string): string | undefined {
  return state.status === "invalid" ? state.fieldErrors[name]?.[0] : undefined;
}

export function fieldValue(state: FormState, name: string): string | undefined {
  return state.status === "invalid" || state.status === "error" ? state.values?.[name] : undefined;
}

/**
 * A field's error from the last submit, while the field still holds the value it was found in: once the
 * operator edits the field, the message no longer describes it and goes.
 */
export function currentFieldError(state: FormState, name: string, value: string): string | undefined {
  if (state.status !== "invalid" || state.values[name] !== value) return undefined;
  return state.fieldErrors[name]?.[0];
}
