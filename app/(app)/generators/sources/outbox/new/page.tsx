import Link from "next/link";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { loadNewOutboxSource } from "@/app/_views/outbox-sources";
import { OutboxSourceForm } from "@/components/sources/outbox-source-form";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { checkOutboxTableAction, saveOutboxSourceAction } from "../actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "New outbox source" };

export default async function NewOutboxSourcePage() {
  await requireSession();
  const { deps } = await getEngine();
  const { connections } = await loadNewOutboxSource(deps.db);
  return (
    <>
      <PageHeader
        title="New outbox source"
        description="Name the outbox table in your application's database, check it, then save. A new source is paused: switch it on in the list once the templates for its groups are ready."
      />
      {connections.length === 0 ? (
        <div className="mb-4">
          <Notice tone="warning">
            An outbox table lives in your application&apos;s database, and no connection reaches one yet. An admin adds
            it under <Link href="/settings/connections">Settings → Connections</Link>.
          </Notice>
        </div>
      ) : null}
      <OutboxSourceForm
        action={saveOutboxSourceAction.bind(null, null)}
        check={checkOutboxTableAction}
        initial={{ name: "", description: "", connectionId: connections[0]?.id ?? "", tableName: "spark_outbox" }}
        sourceId={null}
        submitLabel="Create outbox source"
        connections={connections}
      />
    </>
  );
}
