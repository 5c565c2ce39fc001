"use client";

import { startTransition, useActionState, useState, type FormEvent } from "react";
import { fieldError, idleState, type FormState } from "./form-state";

type Action = (prev: FormState, data: FormData) => Promise<FormState>;

/**
 * `useActionState` for an edit form, plus an `onSubmit` that posts the form without React's reset.
 * React resets a form after its action returns, and a reset puts every controlled <select> back on its
 * first option and every controlled checkbox back to how it first rendered, while the component's state
 * still holds what was chosen: after a refused save the pickers would show values that are not the ones
 * the next save posts. Posting from onSubmit inside a transition skips the reset, so the form keeps
 * exactly what was submitted. `formAction` stays on the form for browsers without JavaScript.
 */
export function useFormAction(action: Action) {
  const [state, formAction, pending] = useActionState(action, idleState);
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter;
    const data = new FormData(event.currentTarget, submitter);
    startTransition(() => formAction(data));
  };
  return { state, formAction, onSubmit, pending };
}

const NONE: ReadonlySet<string> = new Set();

/**
 * Field errors for a form whose inputs React does not hold (uncontrolled): an error shows until the
 * operator edits its field, since it was found in the value submitted, not in what is typed now. Put
 * `onChange` on the form; change events of its fields bubble to it.
 */
export function useFieldErrors(state: FormState) {
  const [edited, setEdited] = useState<{ of: FormState; names: ReadonlySet<string> }>({ of: state, names: NONE });
  const names = edited.of === state ? edited.names : NONE;
  const onChange = (event: FormEvent<HTMLFormElement>) => {
    const name = (event.target as { name?: unknown }).name;
    if (typeof name === "string" && name !== "" && !names.has(name))
      setEdited({ of: state, names: new Set(names).add(name) });
  };
  const errorOf = (name: string) => (names.has(name) ? undefined : fieldError(state, name));
  return { onChange, errorOf };
}
