import { notFound } from "next/navigation";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { SqlSourceForm } from "@/components/sources/sql-source-form";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { PageHeader } from "@/components/ui/page-header";
import { loadSqlSourceEditor } from "@/app/_views/sources";
import { Notice } from "@/components/ui/notice";
import { deleteSqlSourceAction, saveSqlSourceAction, testSqlQueryAction } from "../actions";
import { readSchemaAction } from "../schema-action";

export const dynamic = "force-dynamic";
export const metadata = { title: "Edit SQL source" };

export default async function EditSqlSourcePage({ params }: { params: Promise<{ id: string }> }) {
  await requireSession();
  const { id } = await params;
  const { deps } = await getEngine();
  const editor = await loadSqlSourceEditor(deps.db, id);
  if (!editor) notFound();
  const { source, usedBy: users, connections } = editor;
  return (
    <>
      <PageHeader
        title={source.name}
        description={
          users.length === 0
            ? "No generator uses this source yet."
            : `Used by ${users.join(", ")}: a change applies from their next run.`
        }
      />
      {source.connectionId === null ? (
        <div className="mb-4">
          <Notice tone="warning">
            This source was written before connections and read Spark&apos;s own database, which sources may no longer
            read. Choose the connection that holds its tables, test, and save.
          </Notice>
        </div>
      ) : null}
      <SqlSourceForm
        action={saveSqlSourceAction.bind(null, { id: source.id, version: source.version })}
        test={testSqlQueryAction}
        initial={{
          name: source.name,
          description: source.description,
          connectionId: source.connectionId ?? "",
          query: source.query,
        }}
        submitLabel="Save changes"
        connections={connections}
        readSchema={readSchemaAction}
      />
      <section className="mt-8 max-w-xl space-y-2">
        <h2 className="text-sm font-semibold text-zinc-900">Delete this source</h2>
        <p className="text-sm text-zinc-600">
          {users.length === 0
            ? "No generator uses it, so nothing else changes."
            : "Generators use it: point them at another source or delete them first."}
        </p>
        <ConfirmButton
          action={deleteSqlSourceAction}
          fields={{ id: source.id, name: source.name }}
          label="Delete source…"
          confirmLabel={`Delete “${source.name}”`}
        >
          Delete the SQL source “{source.name}”? Events already recorded from it stay in the log.
        </ConfirmButton>
      </section>
    </>
  );
}
