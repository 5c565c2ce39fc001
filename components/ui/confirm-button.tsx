"use client";

import { useActionState, useState, type ReactNode } from "react";
import { idleState, type FormState } from "@/components/forms/form-state";
import { Button } from "./button";
import { Notice } from "./notice";
import { useSubmitOnce } from "./submit-once";

type Action = (prev: FormState, data: FormData) => Promise<FormState>;

/**
 * A destructive action that asks first, in place: the first click shows what will happen and a second,
 * explicit button; nothing is posted until then.
 */
export function ConfirmButton({
  action,
  fields,
  label,
  confirmLabel,
  children,
}: {
  action: Action;
  fields: Record<string, string>;
  label: string;
  confirmLabel: string;
  children: ReactNode;
}) {
  const [asking, setAsking] = useState(false);
  const [state, formAction, pending] = useActionState(action, idleState);
  const onSubmit = useSubmitOnce(pending);
  if (state.status === "ok" && state.message) return <Notice tone="success">{state.message}</Notice>;
  if (!asking) {
    return (
      <Button type="button" variant="danger" onClick={() => setAsking(true)}>
        {label}
      </Button>
    );
  }
  return (
    <form
      action={formAction}
      onSubmit={onSubmit}
      className="space-y-3 rounded-md bg-red-50 p-4 ring-1 ring-red-200 ring-inset"
    >
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <div className="text-sm text-red-900">{children}</div>
      {state.status === "error" ? <Notice tone="error">{state.message}</Notice> : null}
      <div className="flex gap-2">
        <Button type="submit" variant="danger" disabled={pending}>
          {pending ? "Working…" : confirmLabel}
        </Button>
        <Button type="button" variant="secondary" onClick={() => setAsking(false)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
