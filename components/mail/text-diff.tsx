import { diffLines } from "diff";

/** A line diff from `before` to `after`: removed lines red with "−", added green with "+". */
export function TextDiff({ before, after, label }: { before: string; after: string; label: string }) {
  const parts = diffLines(before, after);
  const changed = parts.some((p) => p.added || p.removed);
  return (
    <figure className="space-y-1">
      <figcaption className="text-xs font-medium tracking-wide text-zinc-500 uppercase">
        {label}
        {changed ? null : <span className="ml-2 tracking-normal normal-case">unchanged</span>}
      </figcaption>
      {changed ? (
        <pre className="max-h-96 overflow-auto rounded-md bg-zinc-50 p-2 font-mono text-xs ring-1 ring-zinc-200">
          {parts.flatMap((part, i) =>
            part.value
              .replace(/\n$/, "")
              .split("\n")
              .map((line, j) => (
                <div
                  key={`${i}-${j}`}
                  className={
                    part.added
                      ? "bg-emerald-50 text-emerald-900"
                      : part.removed
                        ? "bg-red-50 text-red-900"
                        : "text-zinc-600"
                  }
                >
                  <span aria-hidden className="mr-2 select-none">
                    {part.added ? "+" : part.removed ? "−" : " "}
                  </span>
                  <span className="sr-only">{part.added ? "added: " : part.removed ? "removed: " : ""}</span>
                  {line}
                </div>
              )),
          )}
        </pre>
      ) : null}
    </figure>
  );
}
