import Link from "next/link";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { loadSubscriptions, subscriptionsHref, THROUGHPUT_WINDOW_MINUTES } from "@/app/_views/subscriptions";
import { Destination, ErrorText, Lag, SubscriptionStatus, When } from "@/components/subscriptions/subscription-parts";
import { buttonClass } from "@/components/ui/button";
import { DataTable } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { formatNumber } from "@/components/ui/format";
import { IgnoredFilters } from "@/components/ui/ignored-filters";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";

export const dynamic = "force-dynamic";
export const metadata = { title: "Subscriptions" };

const control =
  "rounded-md border-0 bg-white px-2.5 py-1.5 text-sm shadow-xs ring-1 ring-inset ring-zinc-300 focus:ring-2 focus:ring-spark-500";

export default async function SubscriptionsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { operator } = await requireSession();
  const { deps } = await getEngine();
  const view = await loadSubscriptions(deps, await searchParams);
  const now = deps.clock();
  const isAdmin = operator.role === "admin";
  const newButton = isAdmin ? (
    <Link href="/subscriptions/new" className={buttonClass("primary")}>
      New subscription
    </Link>
  ) : null;
  return (
    <>
      <PageHeader
        title="Subscriptions"
        description="Each subscription hands the events of its groups, in commit order, to a webhook or to code, and keeps a checkpoint: what it has handed on, what waits, what was parked."
        actions={
          <div className="flex flex-wrap gap-2">
            {isAdmin ? (
              <Link href="/subscriptions/inbounds" className={buttonClass("secondary")}>
                Inbounds
              </Link>
            ) : null}
            {view.total > 0 || view.status ? newButton : null}
          </div>
        }
      />
      <div className="mb-4 space-y-2 empty:hidden">
        {view.deleted ? (
          <Notice tone="success">
            Deleted “{view.deleted}” with its backlog and attempts; the events stay in the log.
          </Notice>
        ) : null}
      </div>
      <IgnoredFilters ignored={view.ignored} />
      {view.total === 0 && !view.status ? (
        <EmptyState title="No subscriptions yet" action={newButton}>
          <p>
            A subscription sends every event of a group pattern, in the order they were committed, to a webhook URL
            (signed as Standard Webhooks) or to a code subscriber, retrying failures and parking what keeps failing.
          </p>
          <p>
            {isAdmin
              ? "Create one with New subscription, or through the JSON API (POST /api/destinations with an admin key)."
              : "An admin creates them, here or through the JSON API (POST /api/destinations with an admin key)."}
          </p>
        </EmptyState>
      ) : (
        <>
          <form
            method="get"
            action="/subscriptions"
            role="search"
            aria-label="Filter subscriptions"
            className="mb-4 flex flex-wrap items-end gap-3"
          >
            <label className="text-xs font-medium text-zinc-600">
              Status
              <select name="status" defaultValue={view.status ?? ""} className={`${control} mt-1 block`}>
                <option value="">any</option>
                {view.statuses.map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
            </label>
            <button type="submit" className={buttonClass("primary", "py-1.5")}>
              Filter
            </button>
            {view.status ? (
              <Link href="/subscriptions" className={buttonClass("ghost", "py-1.5")}>
                Clear
              </Link>
            ) : null}
          </form>
          {view.rows.length === 0 ? (
            <EmptyState title={view.status ? `No ${view.status} subscriptions` : "Nothing on this page"}>
              <p>
                <Link href="/subscriptions" className="text-spark-700 hover:underline">
                  Show them all
                </Link>
              </p>
            </EmptyState>
          ) : (
            <DataTable columns={["Subscription", "Destination", "Status", "Lag", "Delivered", "Backlog", "Last error"]}>
              {view.rows.map((s) => (
                <tr key={s.id} className="align-top">
                  <td className="max-w-[11rem] px-4 py-3">
                    <Link
                      href={`/subscriptions/${s.id}`}
                      className="font-medium break-words text-spark-700 hover:underline"
                    >
                      {s.name}
                    </Link>
                    <p className="mt-1 font-mono text-xs break-all text-zinc-600" title="Event groups">
                      {s.groupPattern}
                    </p>
                  </td>
                  <td className="max-w-[14rem] px-4 py-3">
                    <Destination kind={s.kind} target={s.target} />
                  </td>
                  <td className="max-w-[10rem] px-4 py-3">
                    <SubscriptionStatus status={s.status} reason={s.disabledReason} />
                  </td>
                  <td className="px-4 py-3 whitespace-nowrap">
                    <Lag lag={s.lag} />
                  </td>
                  <td className="px-4 py-3">
                    <span className="tabular-nums">{formatNumber(s.delivered)}</span>
                    <span
                      className="block text-xs whitespace-nowrap text-zinc-500"
                      title={`Over the last ${THROUGHPUT_WINDOW_MINUTES} minutes`}
                    >
                      {formatNumber(Math.round(s.perMinute * 10) / 10)} a minute
                    </span>
                    <span className="block text-xs text-zinc-500">last</span>
                    <When date={s.lastDeliveredAt} now={now} />
                  </td>
                  <td className="px-4 py-3 whitespace-nowrap tabular-nums">
                    {formatNumber(s.backlog.waiting)} waiting
                    <span className={`block text-xs ${s.backlog.parked > 0 ? "text-red-700" : "text-zinc-500"}`}>
                      {formatNumber(s.backlog.parked)} parked
                    </span>
                  </td>
                  <td className="max-w-[14rem] px-4 py-3">
                    <ErrorText error={s.lastError} />
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
          {view.pages > 1 ? (
            <nav aria-label="Subscription pages" className="mt-4 flex items-center justify-between gap-2 text-sm">
              {view.page > 1 ? (
                <Link
                  href={subscriptionsHref({ status: view.status, page: view.page - 1 })}
                  className={buttonClass("secondary")}
                >
                  ← Previous
                </Link>
              ) : (
                <span />
              )}
              <span className="text-zinc-600">
                Page {view.page} of {view.pages}
              </span>
              {view.page < view.pages ? (
                <Link
                  href={subscriptionsHref({ status: view.status, page: view.page + 1 })}
                  className={buttonClass("secondary")}
                >
                  Next →
                </Link>
              ) : (
                <span />
              )}
            </nav>
          ) : null}
        </>
      )}
    </>
  );
}
