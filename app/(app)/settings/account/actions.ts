"use server";

import { getEngine } from "@/app/_server/engine";
import { invalidField, parseForm } from "@/app/_server/forms";
import { requireSession } from "@/app/_server/session";
import type { FormState } from "@/components/forms/form-state";
import { changeOwnPassword } from "@/spark/accounts/accounts";
import { changePasswordInput } from "@/spark/accounts/schemas";

export async function changePassword(_prev: FormState, formData: FormData): Promise<FormState> {
  const { operator, session } = await requireSession();
  const parsed = parseForm(changePasswordInput, formData);
  if (!parsed.ok) return parsed.state;
  const { deps } = await getEngine();
  const result = await changeOwnPassword(deps, {
    userId: operator.id,
    sessionId: session.id,
    current: parsed.data.current,
    password: parsed.data.password,
  });
  if (result === "wrong-current") return invalidField(formData, "current", "This is not your current password.");
  return { status: "ok", message: "Password changed. Your other sessions have been signed out." };
}
