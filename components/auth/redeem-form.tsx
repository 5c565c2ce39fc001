"use client";

import { useActionState } from "react";
import { fieldError, fieldValue, idleState, type FormState } from "@/components/forms/form-state";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";

type Props = {
  action: (prev: FormState, data: FormData) => Promise<FormState>;
  email?: string;
  submitLabel: string;
  minLength: number;
};

/** Choose a password for a setup or invite link; the first admin also gives an email. */
export function RedeemForm({ action, email, submitLabel, minLength }: Props) {
  const [state, formAction, pending] = useActionState(action, idleState);
  return (
    <form action={formAction} className="space-y-4" noValidate>
      {state.status === "error" ? <Notice tone="error">{state.message}</Notice> : null}
      {email ? (
        <TextField label="Email" name="email-shown" type="email" value={email} readOnly autoComplete="username" />
      ) : (
        <TextField
          label="Email"
          name="email"
          type="email"
          autoComplete="username"
          required
          defaultValue={fieldValue(state, "email")}
          error={fieldError(state, "email")}
        />
      )}
      <TextField
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        hint={`At least ${minLength} characters. A passphrase of a few words works well.`}
        error={fieldError(state, "password")}
      />
      <TextField
        label="Repeat the password"
        name="confirm"
        type="password"
        autoComplete="new-password"
        required
        error={fieldError(state, "confirm")}
      />
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? "Saving…" : submitLabel}
      </Button>
    </form>
  );
}
