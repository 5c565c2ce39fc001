import { notFound } from "next/navigation";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { loadOutboxSourceEditor } from "@/app/_views/outbox-sources";
import { OutboxSourceForm } from "@/components/sources/outbox-source-form";
import { OutboxStatus } from "@/components/sources/outbox-status";
import { ActiveToggle } from "@/components/ui/active-toggle";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { PageHeader } from "@/components/ui/page-header";
import {
  checkOutboxTableAction,
  deleteOutboxSourceAction,
  saveOutboxSourceAction,
  setOutboxSourceActiveAction,
} from "../actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "Edit outbox source" };

export default async function EditOutboxSourcePage({ params }: { params: Promise<{ id: string }> }) {
  await requireSession();
  const { id } = await params;
  const { deps } = await getEngine();
  const editor = await loadOutboxSourceEditor(deps.db, id);
  if (!editor) notFound();
  const { source, status, connections } = editor;
  return (
    <>
      <PageHeader
        title={source.name}
        description="Each pass records the rows this table gained as events with their own group and key. Changing the connection or the table starts reading that table from its first row (keys already recorded are only seen)."
        actions={
          <ActiveToggle
            id={source.id}
            name={source.name}
            active={source.active}
            action={setOutboxSourceActiveAction.bind(null, !source.active)}
          />
        }
      />
      <section aria-label="Status" className="mb-6 max-w-3xl rounded-lg bg-white p-4 shadow-xs ring-1 ring-zinc-200">
        <OutboxStatus status={status} now={deps.clock()} />
      </section>
      <OutboxSourceForm
        action={saveOutboxSourceAction.bind(null, { id: source.id, version: source.version })}
        check={checkOutboxTableAction}
        initial={{
          name: source.name,
          description: source.description,
          connectionId: source.connectionId,
          tableName: source.tableName,
        }}
        sourceId={source.id}
        submitLabel="Save changes"
        connections={connections}
      />
      <section className="mt-8 max-w-xl space-y-2">
        <h2 className="text-sm font-semibold text-zinc-900">Delete this source</h2>
        <p className="text-sm text-zinc-600">
          Spark stops reading the table; the table and its rows stay in your database.
        </p>
        <ConfirmButton
          action={deleteOutboxSourceAction}
          fields={{ id: source.id, name: source.name }}
          label="Delete source…"
          confirmLabel={`Delete “${source.name}”`}
        >
          Delete the outbox source “{source.name}”? Events already recorded from it stay in the log. Created again
          later, it would read the table from its first row, and keys already recorded would only be seen.
        </ConfirmButton>
      </section>
    </>
  );
}
