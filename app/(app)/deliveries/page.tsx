import Link from "next/link";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { DeliveryFilterForm } from "@/components/mail/delivery-filter-form";
import { DeliveryStatusBadge } from "@/components/mail/delivery-status";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { EmptyState } from "@/components/ui/empty-state";
import { formatNumber } from "@/components/ui/format";
import { IgnoredFilters } from "@/components/ui/ignored-filters";
import { PageHeader } from "@/components/ui/page-header";
import { Pager } from "@/components/ui/pager";
import { TimeAgo } from "@/components/ui/time-ago";
import { deliveryFilterQuery, loadDeliveryLog } from "@/app/_views/delivery-log";
import { retryDeadAction } from "./actions";
import { DataTable } from "@/components/ui/data-table";

export const dynamic = "force-dynamic";
export const metadata = { title: "Deliveries" };

export default async function DeliveriesPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireSession();
  const { deps } = await getEngine();
  const view = await loadDeliveryLog(deps.db, await searchParams);
  const now = deps.clock();
  const filtered = Object.keys(view.filters).length > 0;
  const query = deliveryFilterQuery(view.filters).slice(1);
  return (
    <>
      <PageHeader
        title="Deliveries"
        description={`Every mail Spark queued, one row per recipient, newest first. Mail goes to ${deps.mailer.description}.`}
      />
      <DeliveryFilterForm filters={view.filters} statuses={view.statuses} templates={view.templates} />
      <IgnoredFilters ignored={view.ignored} />
      {view.dead.addressable > 0 ? (
        <div className="mb-4 max-w-2xl">
          <ConfirmButton
            action={retryDeadAction}
            fields={{ query }}
            label={`Retry ${formatNumber(view.dead.addressable)} dead deliver${view.dead.addressable === 1 ? "y" : "ies"}…`}
            confirmLabel={`Queue ${formatNumber(view.dead.addressable)} again`}
          >
            Queue again the {formatNumber(view.dead.addressable)} dead deliver
            {view.dead.addressable === 1 ? "y" : "ies"} that match{view.dead.addressable === 1 ? "es" : ""}{" "}
            {filtered ? "these filters" : "no filter (all of them)"}? Each keeps its attempts; the next pass sends them.
            {view.dead.renderFailures > 0
              ? ` ${formatNumber(view.dead.renderFailures)} more died because their template did not render: fix it, then retry those one by one.`
              : ""}
          </ConfirmButton>
        </div>
      ) : null}
      {view.rows.length === 0 ? (
        filtered ? (
          <EmptyState
            title="No deliveries match these filters"
            action={
              <Link href="/deliveries" className="text-sm text-spark-700 hover:underline">
                Clear the filters
              </Link>
            }
          >
            <p>Widen the time range, or check the status and recipient.</p>
          </EmptyState>
        ) : (
          <EmptyState
            title="No mail yet"
            action={
              <Link href="/templates" className="text-sm text-spark-700 hover:underline">
                Go to Templates
              </Link>
            }
          >
            <p>
              A delivery is queued when a new event matches an active template. Add a template for a group your
              generators record, then Run now.
            </p>
          </EmptyState>
        )
      ) : (
        <DataTable columns={["Queued", "Recipient", "Subject", "Template", "Status", "Attempts"]}>
          {view.rows.map((d) => (
            <tr key={d.id} className="align-top hover:bg-zinc-50">
              <td className="px-4 py-2 whitespace-nowrap text-zinc-600">
                <TimeAgo date={d.createdAt} now={now} />
              </td>
              <td className="px-4 py-2 whitespace-nowrap">
                {d.recipient || <span className="text-zinc-400">none (not rendered)</span>}
              </td>
              <td className="max-w-sm px-4 py-2">
                <Link href={`/deliveries/${d.id}`} className="text-spark-700 hover:underline">
                  {d.subject || `Delivery #${d.id}`}
                </Link>
                {d.isTest ? <span className="ml-2 text-xs text-zinc-500">test</span> : null}
                {d.resendOf ? <span className="ml-2 text-xs text-zinc-500">resend of #{d.resendOf}</span> : null}
              </td>
              <td className="px-4 py-2 text-zinc-700">{d.templateName ?? <span className="text-zinc-400">—</span>}</td>
              <td className="px-4 py-2">
                <DeliveryStatusBadge status={d.status} />
                {d.status === "failed" ? (
                  <p className="mt-1 text-xs text-zinc-500">
                    next <TimeAgo date={d.nextAttemptAt} now={now} />
                  </p>
                ) : null}
                {d.lastError && (d.status === "failed" || d.status === "dead" || d.status === "skipped") ? (
                  <p
                    className={`mt-1 max-w-xs truncate text-xs ${d.status === "skipped" ? "text-zinc-500" : "text-red-700"}`}
                    title={d.lastError}
                  >
                    {d.lastError}
                  </p>
                ) : null}
              </td>
              <td className="px-4 py-2 text-zinc-700">{d.attempts}</td>
            </tr>
          ))}
        </DataTable>
      )}
      <Pager
        label="Delivery pages"
        newer={view.newer}
        older={view.older}
        href={(cursor) => `/deliveries${deliveryFilterQuery(view.filters, cursor)}`}
      />
    </>
  );
}
