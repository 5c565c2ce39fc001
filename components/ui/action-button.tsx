"use client";

import { useActionState } from "react";
import { idleState, type FormState } from "@/components/forms/form-state";
import { Button, type ButtonVariant } from "./button";
import { Notice } from "./notice";
import { useSubmitOnce } from "./submit-once";

type Action = (prev: FormState, data: FormData) => Promise<FormState>;

/**
 * One button that posts hidden fields to a server action and shows its outcome beside it. `done` is
 * what the page says once the action's work is done (say, "Rendered again as #12"): the button gives
 * way to it, while the outcome of the press that did it stays in view.
 */
export function ActionButton({
  action,
  fields,
  label,
  pendingLabel,
  variant = "secondary",
  done,
}: {
  action: Action;
  fields: Record<string, string>;
  label: string;
  pendingLabel?: string;
  variant?: ButtonVariant;
  done?: string;
}) {
  const [state, formAction, pending] = useActionState(action, idleState);
  const onSubmit = useSubmitOnce(pending);
  return (
    <form action={formAction} onSubmit={onSubmit} className="inline-flex flex-col items-start gap-2">
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      {done ? (
        <span className="py-1.5 text-sm text-zinc-600">{done}</span>
      ) : (
        <Button type="submit" variant={variant} disabled={pending}>
          {pending ? (pendingLabel ?? `${label}…`) : label}
        </Button>
      )}
      {state.status === "error" ? <Notice tone="error">{state.message}</Notice> : null}
      {state.status === "ok" && state.message ? <Notice tone="success">{state.message}</Notice> : null}
    </form>
  );
}
