import Link from "next/link";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { EventFilterForm } from "@/components/events/event-filter-form";
import { DeliverySummary } from "@/components/mail/delivery-status";
import { EmptyState } from "@/components/ui/empty-state";
import { IgnoredFilters } from "@/components/ui/ignored-filters";
import { PageHeader } from "@/components/ui/page-header";
import { Pager } from "@/components/ui/pager";
import { TimeAgo } from "@/components/ui/time-ago";
import { eventFilterQuery, loadEventLog } from "@/app/_views/event-log";
import { DataTable } from "@/components/ui/data-table";

export const dynamic = "force-dynamic";
export const metadata = { title: "Events" };

export default async function EventsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireSession();
  const { deps } = await getEngine();
  const view = await loadEventLog(deps.db, await searchParams, { sources: deps.sources });
  const now = deps.clock();
  const filtered = Object.keys(view.filters).length > 0;
  return (
    <>
      <PageHeader
        title="Events"
        description="Every event Spark has recorded, newest first. Each key is recorded once, ever."
      />
      <EventFilterForm filters={view.filters} generators={view.generators} sources={view.sources} showFailing />
      <IgnoredFilters ignored={view.ignored} />
      {view.rows.length === 0 ? (
        filtered ? (
          <EmptyState
            title="No events match these filters"
            action={
              <Link href="/events" className="text-sm text-spark-700 hover:underline">
                Clear the filters
              </Link>
            }
          >
            <p>Widen the time range, or check the group and key spelling.</p>
          </EmptyState>
        ) : (
          <EmptyState
            title="No events recorded yet"
            action={
              <Link href="/" className="text-sm text-spark-700 hover:underline">
                Go to the dashboard and press Run now
              </Link>
            }
          >
            <p>Events appear here when a job pass finds candidates that pass a generator&apos;s conditions.</p>
          </EmptyState>
        )
      ) : (
        <DataTable columns={["Recorded", "Group", "Key", "From", "Mail", "Job run"]}>
          {view.rows.map((event) => (
            <tr key={event.id} className="align-top hover:bg-zinc-50">
              <td className="px-4 py-2 whitespace-nowrap text-zinc-600">
                <TimeAgo date={event.createdAt} now={now} />
              </td>
              <td className="px-4 py-2 font-mono text-xs">
                <Link
                  href={`/events${eventFilterQuery({ ...view.filters, group: event.group })}`}
                  className="hover:underline"
                  title={`Only ${event.group}`}
                >
                  {event.group}
                </Link>
              </td>
              <td className="max-w-md px-4 py-2 font-mono text-xs break-all">
                <Link href={`/events/${event.id}`} className="text-spark-700 hover:underline">
                  {event.key}
                </Link>
              </td>
              <td className="px-4 py-2 text-zinc-700">{event.origin}</td>
              <td className="px-4 py-2">
                <Link
                  href={`/deliveries?event=${event.id}`}
                  className="hover:opacity-80"
                  aria-label={`Deliveries of ${event.key}`}
                >
                  <DeliverySummary counts={event.deliveries} />
                </Link>
              </td>
              <td className="px-4 py-2 font-mono text-xs text-zinc-600">
                {event.jobRunId === null ? (
                  "—"
                ) : (
                  <Link href={`/jobs/${event.jobRunId}`} className="hover:underline">
                    #{event.jobRunId}
                  </Link>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <Pager
        label="Event pages"
        newer={view.newer}
        older={view.older}
        href={(cursor) => `/events${eventFilterQuery(view.filters, cursor)}`}
      />
    </>
  );
}
