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
