"use client";

import { useActionState } from "react";
import { idleState, type FormState } from "@/components/forms/form-state";
import { useFieldErrors } from "@/components/forms/use-form-action";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";

export function ChangePasswordForm({
  action,
  minLength,
}: {
  action: (prev: FormState, data: FormData) => Promise<FormState>;
  minLength: number;
}) {
  const [state, formAction, pending] = useActionState(action, idleState);
  // An error goes once its field is edited: it was found in the submitted value.
  const { onChange, errorOf } = useFieldErrors(state);
  return (
    <form
      action={formAction}
      onChange={onChange}
      className="max-w-sm space-y-4"
      noValidate
      key={state.status === "ok" ? "done" : "editing"}
    >
      {state.status === "ok" ? <Notice tone="success">{state.message}</Notice> : null}
      {state.status === "error" ? <Notice tone="error">{state.message}</Notice> : null}
      <TextField
        label="Current password"
        name="current"
        type="password"
        autoComplete="current-password"
        required
        error={errorOf("current")}
      />
      <TextField
        label="New password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        hint={`At least ${minLength} characters.`}
        error={errorOf("password")}
      />
      <TextField
        label="Repeat the new password"
        name="confirm"
        type="password"
        autoComplete="new-password"
        required
        error={errorOf("confirm")}
      />
      <Button type="submit" disabled={pending}>
        {pending ? "Saving…" : "Change password"}
      </Button>
    </form>
  );
}
