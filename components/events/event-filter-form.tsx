import { FilterButtons, filterControl, filterLabel, TimeRangeInputs } from "@/components/ui/filter-controls";
import type { EventLogFilters } from "@/spark/types";

/** Where events can come from besides a generator, as the page's view lists them. */
export type EventOriginOption = {
  ref: string;
  kind: "code" | "sql" | "api" | "outbox" | "inbound";
  label: string;
  revoked?: boolean;
};

const ORIGIN_GROUPS = [
  { label: "Sources", kinds: ["code", "sql"] },
  { label: "API keys", kinds: ["api"] },
  { label: "Outbox tables", kinds: ["outbox"] },
  { label: "Inbounds", kinds: ["inbound"] },
] as const;

/** A GET form: the filters live in the URL, so a filtered view can be bookmarked and shared. */
export function EventFilterForm({
  filters,
  generators,
  sources,
  showFailing,
}: {
  filters: EventLogFilters;
  generators: { id: string; name: string; group: string }[];
  sources: EventOriginOption[];
  showFailing: boolean;
}) {
  const origin = filters.generatorId
    ? `generator:${filters.generatorId}`
    : filters.source
      ? `source:${filters.source}`
      : "";
  const groups = [...new Set(generators.map((g) => g.group))].sort();
  return (
    <form
      method="get"
      action="/events"
      role="search"
      aria-label="Filter events"
      className="mb-4 grid gap-3 rounded-lg bg-white p-4 shadow-xs ring-1 ring-zinc-200 sm:grid-cols-2 lg:grid-cols-4 2xl:grid-cols-6"
    >
      <div className="lg:col-span-1">
        <label htmlFor="f-group" className={filterLabel}>
          Group
        </label>
        <input
          id="f-group"
          name="group"
          list="f-groups"
          defaultValue={filters.group ?? ""}
          placeholder="any"
          className={`${filterControl} font-mono`}
        />
        <datalist id="f-groups">
          {groups.map((g) => (
            <option key={g} value={g} />
          ))}
        </datalist>
      </div>
      <div className="lg:col-span-1">
        <label htmlFor="f-key" className={filterLabel}>
          Key contains
        </label>
        <input
          id="f-key"
          name="key"
          defaultValue={filters.key ?? ""}
          placeholder="any"
          className={`${filterControl} font-mono`}
        />
      </div>
      <div className="lg:col-span-1">
        <label htmlFor="f-origin" className={filterLabel}>
          Origin
        </label>
        <select id="f-origin" name="origin" defaultValue={origin} className={filterControl}>
          <option value="">any</option>
          {generators.length > 0 ? (
            <optgroup label="Generators">
              {generators.map((g) => (
                <option key={g.id} value={`generator:${g.id}`}>
                  {g.name}
                </option>
              ))}
            </optgroup>
          ) : null}
          {ORIGIN_GROUPS.map((group) => {
            const options = sources.filter((s) => (group.kinds as readonly string[]).includes(s.kind));
            return options.length > 0 ? (
              <optgroup key={group.label} label={group.label}>
                {options.map((s) => (
                  <option key={s.ref} value={`source:${s.ref}`}>
                    {s.revoked ? `${s.label} (revoked)` : s.label}
                  </option>
                ))}
              </optgroup>
            ) : null;
          })}
        </select>
      </div>
      <TimeRangeInputs idPrefix="f" from={filters.from} to={filters.to} />
      <div className="lg:col-span-1">
        <label htmlFor="f-run" className={filterLabel}>
          Job run
        </label>
        <input
          id="f-run"
          name="run"
          inputMode="numeric"
          pattern="[0-9]*"
          defaultValue={filters.jobRunId ?? ""}
          placeholder="any"
          className={`${filterControl} font-mono`}
        />
      </div>
      <div className="flex flex-col justify-end gap-2">
        {showFailing ? (
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              name="failing"
              value="1"
              defaultChecked={filters.failing}
              className="size-4 accent-spark-600"
            />
            Failed or dead mail
          </label>
        ) : null}
        <FilterButtons clearHref="/events" />
      </div>
    </form>
  );
}
