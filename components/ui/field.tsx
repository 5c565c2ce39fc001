import {
  useId,
  useLayoutEffect,
  useRef,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
} from "react";

type FieldProps = { label: string; error?: string; hint?: ReactNode };

const inputClass = (error?: string) =>
  `block w-full rounded-md border-0 bg-white px-3 py-2 text-sm text-zinc-900 shadow-xs ring-1 ring-inset placeholder:text-zinc-400 focus:ring-2 focus:ring-inset ${
    error ? "ring-red-400 focus:ring-red-500" : "ring-zinc-300 focus:ring-spark-500"
  }`;

function FieldFrame({ id, label, error, hint, children }: FieldProps & { id: string; children: ReactNode }) {
  return (
    <div className="space-y-1.5">
      <label htmlFor={id} className="block text-sm font-medium text-zinc-800">
        {label}
      </label>
      {children}
      {error ? (
        <p id={`${id}-error`} className="text-sm text-red-700">
          {error}
        </p>
      ) : hint ? (
        <p id={`${id}-hint`} className="text-sm text-zinc-500">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** A labelled input whose error sits right under it and is announced with it. */
export function TextField({
  label,
  error,
  hint,
  className = "",
  ...props
}: FieldProps & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  return (
    <FieldFrame id={id} label={label} error={error} hint={hint}>
      <input
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : hint ? `${id}-hint` : undefined}
        className={`${inputClass(error)} ${className}`}
        {...props}
      />
    </FieldFrame>
  );
}

export function SelectField({
  label,
  error,
  hint,
  children,
  ...props
}: FieldProps & SelectHTMLAttributes<HTMLSelectElement>) {
  const id = useId();
  const ref = useRef<HTMLSelectElement>(null);
  // React keeps a controlled select's choice in `selected` but not in `defaultSelected`, and a form reset
  // (React resets a form after its action returns) puts the select back on its defaultSelected option:
  // the first one. Marking the chosen option as the default keeps a reset from changing the choice.
  useLayoutEffect(() => {
    if (props.value === undefined || !ref.current) return;
    for (const option of ref.current.options) option.defaultSelected = option.value === String(props.value);
  });
  return (
    <FieldFrame id={id} label={label} error={error} hint={hint}>
      <select ref={ref} id={id} aria-invalid={error ? true : undefined} className={inputClass(error)} {...props}>
        {children}
      </select>
    </FieldFrame>
  );
}
