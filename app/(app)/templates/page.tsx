import Link from "next/link";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { ActiveToggle } from "@/components/ui/active-toggle";
import { buttonClass } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { TimeAgo } from "@/components/ui/time-ago";
import { loadTemplates } from "@/app/_views/templates";
import { setTemplateActiveAction } from "./actions";
import { DataTable } from "@/components/ui/data-table";

export const dynamic = "force-dynamic";
export const metadata = { title: "Templates" };

export default async function TemplatesPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireSession();
  const { deps } = await getEngine();
  const { templates, deleted } = await loadTemplates(deps.db, await searchParams);
  const now = deps.clock();
  const actions = (
    <div className="flex gap-2">
      <Link href="/templates/import" className={buttonClass("secondary")}>
        Import django-spark template
      </Link>
      <Link href="/templates/partials" className={buttonClass("secondary")}>
        Partials and layouts
      </Link>
      <Link href="/templates/new" className={buttonClass("primary")}>
        New template
      </Link>
    </div>
  );
  return (
    <>
      <PageHeader
        title="Templates"
        description={
          <>
            Mail sent for new events of a matching group, rendered with Liquid. Mail goes to {deps.mailer.description}
            {deps.mailer.kind === "capture" ? (
              <>
                {" "}
                — see the{" "}
                <Link href="/inbox" className="text-spark-700 hover:underline">
                  Inbox
                </Link>
              </>
            ) : null}
            .
          </>
        }
        actions={actions}
      />
      {deleted ? (
        <div className="mb-4">
          <Notice tone="success">Deleted “{deleted}”. Mail it already queued or sent stays in the delivery log.</Notice>
        </div>
      ) : null}
      {templates.length === 0 ? (
        <EmptyState title="No templates yet" action={actions}>
          <p>
            A template turns each new event of its group into mail: a Liquid subject, HTML and text bodies, and
            recipients such as {"{{ owner_email }}"}.
          </p>
          <p>Start from scratch, or paste a django-spark (spark_mails) template to import it.</p>
        </EmptyState>
      ) : (
        <DataTable columns={["Name", "Group", "Subject", "Active", "Version"]}>
          {templates.map((t) => (
            <tr key={t.id} className="align-top">
              <td className="px-4 py-3 font-medium">
                <Link href={`/templates/${t.id}`} className="text-spark-700 hover:underline">
                  {t.name}
                </Link>
              </td>
              <td className="px-4 py-3 font-mono text-xs">{t.groupPattern}</td>
              <td className="max-w-sm px-4 py-3 font-mono text-xs break-words text-zinc-700">{t.subject}</td>
              <td className="px-4 py-3">
                <ActiveToggle
                  id={t.id}
                  name={t.name}
                  active={t.active}
                  action={setTemplateActiveAction.bind(null, !t.active)}
                />
                {t.draftReason ? <p className="mt-1 max-w-xs text-xs text-amber-800">Draft: {t.draftReason}</p> : null}
              </td>
              <td className="px-4 py-3 text-zinc-600">
                <Link href={`/templates/${t.id}/history`} className="hover:underline">
                  v{t.version}
                </Link>
                , <TimeAgo date={t.updatedAt} now={now} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </>
  );
}
