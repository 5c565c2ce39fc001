import { diffLines } from "diff";

export type DiffLine = { kind: "added" | "removed" | "same"; text: string };

/**
 * The lines of `after` against `before`. Line endings are made one kind and both texts end with one,
 * so a version typed in a textarea (CRLF) against one imported (LF), or a last line that only gained a
 * newline, does not show unchanged lines as removed and added.
 */
export function lineDiff(before: string, after: string): DiffLine[] {
  const normal = (text: string) => {
    const lf = text.replace(/\r\n?/g, "\n");
    return lf === "" || lf.endsWith("\n") ? lf : `${lf}\n`;
  };
  return diffLines(normal(before), normal(after)).flatMap((part) =>
    part.value
      .replace(/\n$/, "")
      .split("\n")
      .map((text) => ({ kind: part.added ? "added" : part.removed ? "removed" : "same", text }) as DiffLine),
  );
}

/** A line diff from `before` to `after`: removed lines red with "−", added green with "+". */
export function TextDiff({ before, after, label }: { before: string; after: string; label: string }) {
  const lines = lineDiff(before, after);
  const changed = lines.some((l) => l.kind !== "same");
  return (
    <figure className="space-y-1">
      <figcaption className="text-xs font-medium tracking-wide text-zinc-500 uppercase">
        {label}
        {changed ? null : <span className="ml-2 tracking-normal normal-case">unchanged</span>}
      </figcaption>
      {changed ? (
        <pre className="max-h-96 overflow-auto rounded-md bg-zinc-50 p-2 font-mono text-xs ring-1 ring-zinc-200">
          {lines.map((line, i) => (
            <div
              key={i}
              className={
                line.kind === "added"
                  ? "bg-emerald-50 text-emerald-900"
                  : line.kind === "removed"
                    ? "bg-red-50 text-red-900"
                    : "text-zinc-600"
              }
            >
              <span aria-hidden className="mr-2 select-none">
                {line.kind === "added" ? "+" : line.kind === "removed" ? "−" : " "}
              </span>
              <span className="sr-only">{line.kind === "same" ? "" : `${line.kind}: `}</span>
              {line.text}
            </div>
          ))}
        </pre>
      ) : null}
    </figure>
  );
}
