import { FilterButtons, filterControl, filterLabel, TimeRangeInputs } from "@/components/ui/filter-controls";
import type { DeliveryLogFilters, DeliveryStatus } from "@/spark/types";

/** A GET form: the filters live in the URL, so a filtered view can be bookmarked and shared. */
export function DeliveryFilterForm({
  filters,
  statuses,
  templates,
}: {
  filters: DeliveryLogFilters;
  statuses: readonly DeliveryStatus[];
  templates: { id: string; name: string }[];
}) {
  return (
    <form
      method="get"
      action="/deliveries"
      role="search"
      aria-label="Filter deliveries"
      className="mb-4 grid gap-3 rounded-lg bg-white p-4 shadow-xs ring-1 ring-zinc-200 sm:grid-cols-2 lg:grid-cols-4 2xl:grid-cols-7"
    >
      {filters.eventId ? <input type="hidden" name="event" value={filters.eventId} /> : null}
      <div>
        <label htmlFor="d-status" className={filterLabel}>
          Status
        </label>
        <select id="d-status" name="status" defaultValue={filters.status ?? ""} className={filterControl}>
          <option value="">any</option>
          {statuses.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="d-recipient" className={filterLabel}>
          Recipient contains
        </label>
        <input
          id="d-recipient"
          name="recipient"
          defaultValue={filters.recipient ?? ""}
          placeholder="any"
          className={filterControl}
        />
      </div>
      <div>
        <label htmlFor="d-template" className={filterLabel}>
          Template
        </label>
        <select id="d-template" name="template" defaultValue={filters.templateId ?? ""} className={filterControl}>
          <option value="">any</option>
          {templates.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="d-group" className={filterLabel}>
          Group
        </label>
        <input
          id="d-group"
          name="group"
          defaultValue={filters.group ?? ""}
          placeholder="any"
          className={`${filterControl} font-mono`}
        />
      </div>
      <TimeRangeInputs idPrefix="d" from={filters.from} to={filters.to} />
      <div className="flex items-end gap-2">
        <FilterButtons clearHref="/deliveries" />
      </div>
    </form>
  );
}
