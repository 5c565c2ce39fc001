import { Notice } from "./notice";

/** Which filters of the URL a list page left out, and what to type instead. */
export function IgnoredFilters({ ignored }: { ignored: { name: string; message: string }[] }) {
  if (ignored.length === 0) return null;
  return (
    <div className="mb-4">
      <Notice tone="warning">
        Ignored {ignored.length === 1 ? "a filter" : `${ignored.length} filters`}:{" "}
        {ignored.map((i) => (
          <span key={i.name} className="mr-2">
            <strong>{i.name}</strong> — {i.message}
          </span>
        ))}
      </Notice>
    </div>
  );
}
