import Link from "next/link";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { buttonClass } from "@/components/ui/button";
import { DataTable } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { TimeAgo } from "@/components/ui/time-ago";
import { loadPartials } from "@/app/_views/partials";

export const dynamic = "force-dynamic";
export const metadata = { title: "Partials and layouts" };

export default async function PartialsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireSession();
  const { deps } = await getEngine();
  const { partials, deleted } = await loadPartials(deps.db, await searchParams);
  const now = deps.clock();
  const actions = (
    <Link href="/templates/partials/new" className={buttonClass("primary")}>
      New partial or layout
    </Link>
  );
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/templates" className="text-spark-700 hover:underline">
          ← Templates
        </Link>
      </p>
      <PageHeader
        title="Partials and layouts"
        description="Liquid that templates share. A partial is pulled in with {% include 'name' %}; a layout is HTML around a template's body ({{ content }}). They are the only things a template can include: never a file."
        actions={actions}
      />
      {deleted ? (
        <div className="mb-4">
          <Notice tone="success">Deleted “{deleted}”.</Notice>
        </div>
      ) : null}
      {partials.length === 0 ? (
        <EmptyState title="No partials or layouts yet" action={actions}>
          <p>
            Write a footer once and include it in every template, or a layout that gives all your mail the same frame.
          </p>
        </EmptyState>
      ) : (
        <DataTable columns={["Name", "Kind", "Version"]}>
          {partials.map((p) => (
            <tr key={p.id} className="align-top">
              <td className="px-4 py-3 font-mono font-medium">
                <Link href={`/templates/partials/${p.id}`} className="text-spark-700 hover:underline">
                  {p.name}
                </Link>
              </td>
              <td className="px-4 py-3 text-zinc-700">{p.kind}</td>
              <td className="px-4 py-3 text-zinc-600">
                <Link href={`/templates/partials/${p.id}/history`} className="hover:underline">
                  v{p.version}
                </Link>
                , <TimeAgo date={p.updatedAt} now={now} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </>
  );
}
