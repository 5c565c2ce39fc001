"use client";

import { useActionState } from "react";
import { fieldValue, idleState, type FormState } from "@/components/forms/form-state";
import { useFieldErrors } from "@/components/forms/use-form-action";
import { Button } from "@/components/ui/button";
import { SelectField, TextField } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";

type Action = (prev: FormState, data: FormData) => Promise<FormState>;

function Result({ state }: { state: FormState }) {
  if (state.status === "ok" && state.message) {
    return (
      <Notice tone="success">
        <span className="break-all whitespace-pre-wrap select-all">{state.message}</span>
      </Notice>
    );
  }
  if (state.status === "error") return <Notice tone="error">{state.message}</Notice>;
  return null;
}

function RoleSelect({ state, error }: { state: FormState; error?: string }) {
  return (
    <SelectField
      label="Role"
      name="role"
      defaultValue={fieldValue(state, "role") ?? "operator"}
      error={error}
      hint="Admins can also manage operators."
    >
      <option value="operator">Operator</option>
      <option value="admin">Admin</option>
    </SelectField>
  );
}

export function InviteOperatorForm({ action }: { action: Action }) {
  const [state, formAction, pending] = useActionState(action, idleState);
  const { onChange, errorOf } = useFieldErrors(state);
  return (
    <form action={formAction} onChange={onChange} className="space-y-4" noValidate>
      <Result state={state} />
      <TextField
        label="Email"
        name="email"
        type="email"
        required
        defaultValue={fieldValue(state, "email")}
        error={errorOf("email")}
      />
      <RoleSelect state={state} error={errorOf("role")} />
      <Button type="submit" disabled={pending}>
        {pending ? "Creating link…" : "Create invite link"}
      </Button>
    </form>
  );
}

export function CreateOperatorForm({ action, minLength }: { action: Action; minLength: number }) {
  const [state, formAction, pending] = useActionState(action, idleState);
  const { onChange, errorOf } = useFieldErrors(state);
  return (
    <form action={formAction} onChange={onChange} className="space-y-4" noValidate>
      <Result state={state} />
      <TextField
        label="Email"
        name="email"
        type="email"
        required
        autoComplete="off"
        defaultValue={fieldValue(state, "email")}
        error={errorOf("email")}
      />
      <RoleSelect state={state} error={errorOf("role")} />
      <TextField
        label="Password"
        name="password"
        type="password"
        required
        autoComplete="new-password"
        hint={`At least ${minLength} characters; tell it to them in person.`}
        error={errorOf("password")}
      />
      <Button type="submit" disabled={pending}>
        {pending ? "Creating…" : "Create operator"}
      </Button>
    </form>
  );
}

/**
 * One button that posts an operator's id to an action, with its outcome shown beside it; with
 * `version`, the one the page showed, so a change to an operator changed since is refused.
 */
export function OperatorButton({
  action,
  userId,
  email,
  version,
  label,
  variant,
}: {
  action: Action;
  userId: string;
  email: string;
  version?: number;
  label: string;
  variant: "secondary" | "danger";
}) {
  const [state, formAction, pending] = useActionState(action, idleState);
  return (
    <form action={formAction} className="flex flex-col items-end gap-2">
      <input type="hidden" name="userId" value={userId} />
      <input type="hidden" name="email" value={email} />
      {version === undefined ? null : <input type="hidden" name="version" value={version} />}
      <Button type="submit" variant={variant} disabled={pending} aria-label={`${label} ${email}`}>
        {label}
      </Button>
      <div className="max-w-md text-left">
        <Result state={state} />
      </div>
    </form>
  );
}

/** Lifts the sign-in throttling of one (email, client) pair, or of a client when email is null. */
export function LiftThrottleButton({ action, email, ip }: { action: Action; email: string | null; ip: string }) {
  const [state, formAction, pending] = useActionState(action, idleState);
  return (
    <form action={formAction} className="flex flex-col items-end gap-2">
      {email ? <input type="hidden" name="email" value={email} /> : null}
      <input type="hidden" name="ip" value={ip} />
      <Button
        type="submit"
        variant="secondary"
        disabled={pending}
        aria-label={`Lift throttling of ${email ? `${email} from ` : ""}${ip}`}
      >
        Lift
      </Button>
      <div className="max-w-md text-left">
        <Result state={state} />
      </div>
    </form>
  );
}
