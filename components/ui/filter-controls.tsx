import Link from "next/link";
import { buttonClass } from "./button";

/** The compact inputs of the log pages' filter bars. */
export const filterControl =
  "block w-full rounded-md border-0 bg-white px-2.5 py-1.5 text-sm shadow-xs ring-1 ring-inset ring-zinc-300 focus:ring-2 focus:ring-spark-500";
export const filterLabel = "block text-xs font-medium text-zinc-600";

/** From and until, in UTC as the URL has them. */
export function TimeRangeInputs({ idPrefix, from, to }: { idPrefix: string; from?: Date; to?: Date }) {
  return (
    <>
      <div>
        <label htmlFor={`${idPrefix}-from`} className={filterLabel}>
          From (UTC)
        </label>
        <input
          id={`${idPrefix}-from`}
          name="from"
          type="datetime-local"
          defaultValue={from?.toISOString().slice(0, 16) ?? ""}
          className={filterControl}
        />
      </div>
      <div>
        <label htmlFor={`${idPrefix}-to`} className={filterLabel}>
          Until (UTC)
        </label>
        <input
          id={`${idPrefix}-to`}
          name="to"
          type="datetime-local"
          defaultValue={to?.toISOString().slice(0, 16) ?? ""}
          className={filterControl}
        />
      </div>
    </>
  );
}

export function FilterButtons({ clearHref }: { clearHref: string }) {
  return (
    <div className="flex gap-2">
      <button type="submit" className={buttonClass("primary", "py-1.5")}>
        Filter
      </button>
      <Link href={clearHref} className={buttonClass("ghost", "py-1.5")}>
        Clear
      </Link>
    </div>
  );
}
