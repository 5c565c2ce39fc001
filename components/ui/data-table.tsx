import type { ReactNode } from "react";

export type Column = string | { label: string; align?: "right"; hidden?: boolean };

/**
 * The lists' table: a header row and a body of rows the page writes. Standalone it is its own card;
 * `inCard` lets it run edge to edge inside a Card. Wide tables scroll sideways instead of squeezing.
 */
export function DataTable({
  columns,
  inCard = false,
  children,
}: {
  columns: Column[];
  inCard?: boolean;
  children: ReactNode;
}) {
  const cell = inCard ? "px-5 py-2" : "px-4 py-2";
  return (
    <div
      className={
        inCard ? "-mx-5 overflow-x-auto" : "overflow-x-auto rounded-lg bg-white shadow-xs ring-1 ring-zinc-200"
      }
    >
      <table className="min-w-full text-sm">
        <thead
          className={`text-left text-xs font-medium tracking-wide text-zinc-500 uppercase ${inCard ? "" : "border-b border-zinc-100"}`}
        >
          <tr>
            {columns.map((column) => {
              const c = typeof column === "string" ? { label: column } : column;
              return (
                <th key={c.label} className={`${cell} ${c.align === "right" ? "text-right" : ""}`}>
                  {c.hidden ? <span className="sr-only">{c.label}</span> : c.label}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100">{children}</tbody>
      </table>
    </div>
  );
}
