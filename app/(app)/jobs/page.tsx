import Link from "next/link";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { JobRunTable } from "@/components/jobs/job-run-table";
import { buttonClass } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { IgnoredFilters } from "@/components/ui/ignored-filters";
import { PageHeader } from "@/components/ui/page-header";
import { Pager } from "@/components/ui/pager";
import { jobRunsHref, loadJobRuns } from "@/app/_views/jobs";

export const dynamic = "force-dynamic";
export const metadata = { title: "Job runs" };

const control =
  "rounded-md border-0 bg-white px-2.5 py-1.5 text-sm shadow-xs ring-1 ring-inset ring-zinc-300 focus:ring-2 focus:ring-spark-500";

export default async function JobRunsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireSession();
  const { deps } = await getEngine();
  const view = await loadJobRuns(deps.db, await searchParams);
  const { status, trigger } = view.filters;
  return (
    <>
      <PageHeader
        title="Job runs"
        description="Every pass: what started it, how long it took, what it recorded and sent, and what went wrong."
      />
      <form
        method="get"
        action="/jobs"
        role="search"
        aria-label="Filter job runs"
        className="mb-4 flex flex-wrap items-end gap-3"
      >
        <label className="text-xs font-medium text-zinc-600">
          Status
          <select name="status" defaultValue={status ?? ""} className={`${control} mt-1 block`}>
            <option value="">any</option>
            {view.statuses.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label className="text-xs font-medium text-zinc-600">
          Trigger
          <select name="trigger" defaultValue={trigger ?? ""} className={`${control} mt-1 block`}>
            <option value="">any</option>
            {view.triggers.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <button type="submit" className={buttonClass("primary", "py-1.5")}>
          Filter
        </button>
        <Link href="/jobs" className={buttonClass("ghost", "py-1.5")}>
          Clear
        </Link>
      </form>
      <IgnoredFilters ignored={view.ignored} />
      <Card>
        <JobRunTable
          runs={view.rows}
          now={deps.clock()}
          empty={
            status || trigger
              ? "No job run matches these filters."
              : "No job has run yet. Press Run now on the dashboard, or wait for the scheduler."
          }
        />
      </Card>
      <Pager
        label="Job run pages"
        newer={view.newer}
        older={view.older}
        href={(extra) => jobRunsHref(view.filters, extra)}
      />
    </>
  );
}
