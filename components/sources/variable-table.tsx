import type { VariableSpec } from "@/spark/sources/variables";

/** A source's variables as conditions and templates see them: name, type and what it means. */
export function VariableTable({ variables }: { variables: Record<string, VariableSpec> }) {
  const entries = Object.entries(variables);
  if (entries.length === 0) return <p className="text-sm text-zinc-500">No variables.</p>;
  return (
    <table className="w-full text-sm">
      <thead className="text-left text-xs font-medium tracking-wide text-zinc-500 uppercase">
        <tr>
          <th className="py-1.5 pr-3">Variable</th>
          <th className="py-1.5 pr-3">Type</th>
          <th className="py-1.5">Description</th>
        </tr>
      </thead>
      <tbody className="divide-y divide-zinc-100">
        {entries.map(([name, spec]) => (
          <tr key={name}>
            <td className="py-1.5 pr-3 font-mono text-xs">{name}</td>
            <td className="py-1.5 pr-3 text-xs text-zinc-500">{spec.type}</td>
            <td className="py-1.5 text-zinc-700">{spec.description ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
