"use client";

import { useActionState } from "react";
import { idleState, type FormState } from "@/components/forms/form-state";
import { Button, type ButtonVariant } from "./button";
import { Notice } from "./notice";
import { useSubmitOnce } from "./submit-once";

type Action = (prev: FormState, data: FormData) => Promise<FormState>;

/** One button that posts hidden fields to a server action and shows its outcome beside it. */
export function ActionButton({
  action,
  fields,
  label,
  pendingLabel,
  variant = "secondary",
}: {
  action: Action;
  fields: Record<string, string>;
  label: string;
  pendingLabel?: string;
  variant?: ButtonVariant;
}) {
  const [state, formAction, pending] = useActionState(action, idleState);
  const onSubmit = useSubmitOnce(pending);
  return (
    <form action={formAction} onSubmit={onSubmit} className="inline-flex flex-col items-start gap-2">
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <Button type="submit" variant={variant} disabled={pending}>
        {pending ? (pendingLabel ?? `${label}…`) : label}
      </Button>
      {state.status === "error" ? <Notice tone="error">{state.message}</Notice> : null}
      {state.status === "ok" && state.message ? <Notice tone="success">{state.message}</Notice> : null}
    </form>
  );
}
