/**
 * JSON as a tree of <details>: objects and arrays fold, scalars show typed. Every value is rendered as
 * text by React, so a context holding HTML or a script shows the characters, never runs them.
 */
export function JsonTree({ value, openDepth = 2 }: { value: unknown; openDepth?: number }) {
  return (
    <div className="font-mono text-xs leading-relaxed">
      <JsonNode value={value} depth={0} openDepth={openDepth} />
    </div>
  );
}

function JsonNode({
  name,
  value,
  depth,
  openDepth,
}: {
  name?: string;
  value: unknown;
  depth: number;
  openDepth: number;
}) {
  const label = name === undefined ? null : <span className="text-zinc-600">{name}: </span>;
  if (value !== null && typeof value === "object") {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
    if (entries.length === 0) {
      return (
        <div>
          {label}
          <span className="text-zinc-500">{`${open}${close}`}</span>
        </div>
      );
    }
    return (
      <details open={depth < openDepth} className="group">
        <summary className="cursor-pointer select-none marker:text-zinc-400">
          {label}
          <span className="text-zinc-500">
            {open}
            <span className="group-open:hidden">
              {" "}
              {entries.length}{" "}
              {Array.isArray(value) ? (entries.length === 1 ? "item" : "items") : entries.length === 1 ? "key" : "keys"}{" "}
              {close}
            </span>
          </span>
        </summary>
        <div className="ml-4 border-l border-zinc-200 pl-3">
          {entries.map(([k, v]) => (
            <JsonNode key={k} name={k} value={v} depth={depth + 1} openDepth={openDepth} />
          ))}
        </div>
        <span className="text-zinc-500">{close}</span>
      </details>
    );
  }
  return (
    <div className="wrap-anywhere">
      {label}
      <Scalar value={value} />
    </div>
  );
}

function Scalar({ value }: { value: unknown }) {
  if (value === null) return <span className="text-zinc-400">null</span>;
  if (typeof value === "string")
    return <span className="whitespace-pre-wrap text-emerald-800">{JSON.stringify(value)}</span>;
  if (typeof value === "number") return <span className="text-sky-800">{value}</span>;
  if (typeof value === "boolean") return <span className="text-violet-800">{String(value)}</span>;
  return <span>{String(value)}</span>;
}
