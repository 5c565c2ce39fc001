"use client";

import { useActionState } from "react";
import { fieldValue, idleState, type FormState } from "@/components/forms/form-state";
import { useFieldErrors } from "@/components/forms/use-form-action";
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
  // An error goes once its field is edited: it was found in the submitted value.
  const { onChange, errorOf } = useFieldErrors(state);
  return (
    <form action={formAction} onChange={onChange} className="space-y-4" noValidate>
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
          error={errorOf("email")}
        />
      )}
      <TextField
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        hint={`At least ${minLength} characters. A passphrase of a few words works well.`}
        error={errorOf("password")}
      />
      <TextField
        label="Repeat the password"
        name="confirm"
        type="password"
        autoComplete="new-password"
        required
        error={errorOf("confirm")}
      />
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? "Saving…" : submitLabel}
      </Button>
    </form>
  );
}
