import Link from "next/link";
import { buttonClass } from "@/components/ui/button";
import type { DeliveryLogFilters } from "@/db/queries/deliveries";
import { deliveryStatuses } from "@/db/schema";

const control = "block w-full rounded-md border-0 bg-white px-2.5 py-1.5 text-sm shadow-xs ring-1 ring-inset ring-zinc-300 focus:ring-2 focus:ring-spark-500";
const label = "block text-xs font-medium text-zinc-600";

/** A GET form: the filters live in the URL, so a filtered view can be bookmarked and shared. */
export function DeliveryFilterForm({ filters, templates }: { filters: DeliveryLogFilters; templates: { id: string; name: string }[] }) {
  return (
    <form method="get" action="/deliveries" role="search" aria-label="Filter deliveries" className="mb-4 grid gap-3 rounded-lg bg-white p-4 shadow-xs ring-1 ring-zinc-200 sm:grid-cols-2 lg:grid-cols-7">
      {filters.eventId ? <input type="hidden" name="event" value={filters.eventId} /> : null}
      <div>
        <label htmlFor="d-status" className={label}>
          Status
        </label>
        <select id="d-status" name="status" defaultValue={filters.status ?? ""} className={control}>
          <option value="">any</option>
          {deliveryStatuses.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="d-recipient" className={label}>
          Recipient contains
        </label>
        <input id="d-recipient" name="recipient" defaultValue={filters.recipient ?? ""} placeholder="any" className={control} />
      </div>
      <div>
        <label htmlFor="d-template" className={label}>
          Template
        </label>
        <select id="d-template" name="template" defaultValue={filters.templateId ?? ""} className={control}>
          <option value="">any</option>
          {templates.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="d-group" className={label}>
          Group
        </label>
        <input id="d-group" name="group" defaultValue={filters.group ?? ""} placeholder="any" className={`${control} font-mono`} />
      </div>
      <div>
        <label htmlFor="d-from" className={label}>
          From (UTC)
        </label>
        <input id="d-from" name="from" type="datetime-local" defaultValue={filters.from?.toISOString().slice(0, 16) ?? ""} className={control} />
      </div>
      <div>
        <label htmlFor="d-to" className={label}>
          Until (UTC)
        </label>
        <input id="d-to" name="to" type="datetime-local" defaultValue={filters.to?.toISOString().slice(0, 16) ?? ""} className={control} />
      </div>
      <div className="flex items-end gap-2">
        <button type="submit" className={buttonClass("primary", "py-1.5")}>
          Filter
        </button>
        <Link href="/deliveries" className={buttonClass("ghost", "py-1.5")}>
          Clear
        </Link>
      </div>
    </form>
  );
}
