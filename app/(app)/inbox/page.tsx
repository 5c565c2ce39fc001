import Link from "next/link";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { EmptyState } from "@/components/ui/empty-state";
import { IgnoredFilters } from "@/components/ui/ignored-filters";
import { PageHeader } from "@/components/ui/page-header";
import { Pager } from "@/components/ui/pager";
import { TimeAgo } from "@/components/ui/time-ago";
import { loadInbox } from "@/app/_views/inbox";
import { DataTable } from "@/components/ui/data-table";

export const dynamic = "force-dynamic";
export const metadata = { title: "Inbox" };

export default async function InboxPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireSession();
  const { deps, config } = await getEngine();
  const page = await loadInbox(deps.db, await searchParams);
  const now = deps.clock();
  return (
    <>
      <PageHeader
        title="Inbox"
        description={
          deps.mailer.kind === "capture"
            ? "No SMTP_URL is set, so Spark keeps the mail it sends here instead of handing it to a mail server. Set SMTP_URL to deliver for real."
            : `Mail goes to ${deps.mailer.description}. The Inbox only fills while SMTP_URL is unset; what is here was captured before.`
        }
      />
      <IgnoredFilters ignored={page.ignored} />
      {page.rows.length === 0 ? (
        <EmptyState
          title="The Inbox is empty"
          action={
            <Link href="/" className="text-sm text-spark-700 hover:underline">
              Go to the dashboard and press Run now
            </Link>
          }
        >
          <p>Mail shows up here when a job pass sends it, or when you send a test from a template.</p>
          <p>Kept for {config.retentionDays} days (SPARK_RETENTION_DAYS).</p>
        </EmptyState>
      ) : (
        <DataTable columns={["Received", "To", "Subject"]}>
          {page.rows.map((mail) => (
            <tr key={mail.id} className="align-top hover:bg-zinc-50">
              <td className="px-4 py-2 whitespace-nowrap text-zinc-600">
                <TimeAgo date={mail.createdAt} now={now} />
              </td>
              <td className="px-4 py-2 text-zinc-700">{mail.envelopeTo.join(", ")}</td>
              <td className="px-4 py-2">
                <Link href={`/inbox/${mail.id}`} className="text-spark-700 hover:underline">
                  {mail.subject}
                </Link>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <Pager
        label="Inbox pages"
        newer={page.newer}
        older={page.older}
        href={(c) => `/inbox${Object.keys(c).length ? `?${new URLSearchParams(c)}` : ""}`}
      />
    </>
  );
}
