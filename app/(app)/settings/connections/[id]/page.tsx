import Link from "next/link";
import { notFound } from "next/navigation";
import { getEngine } from "@/app/_server/engine";
import { requireAdmin } from "@/app/_server/session";
import { ConnectionForm } from "@/components/settings/connection-form";
import { Card } from "@/components/ui/card";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { loadEditableConnection } from "@/app/_views/connections";
import { deleteConnectionAction, saveConnectionAction, testConnectionFormAction } from "../actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "Edit connection" };

export default async function EditConnectionPage({ params }: { params: Promise<{ id: string }> }) {
  await requireAdmin();
  const { id } = await params;
  const { deps } = await getEngine();
  const editable = await loadEditableConnection(deps.db, id);
  if (!editable) notFound();
  const { connection, sourceNames: users } = editable;
  return (
    <div className="space-y-6">
      <p className="text-sm">
        <Link href="/settings/connections" className="text-spark-700 hover:underline">
          ← Connections
        </Link>
      </p>
      <Card
        title={connection.name}
        description={
          users.length === 0
            ? "No SQL source reads from it yet."
            : `Read by ${users.join(", ")}: a change applies from their next read.`
        }
      >
        <ConnectionForm
          action={saveConnectionAction.bind(null, { id: connection.id, version: connection.version })}
          test={testConnectionFormAction.bind(null, connection.id)}
          initial={{
            name: connection.name,
            kind: connection.kind === "mysql" ? "mysql" : "postgres",
            host: connection.host,
            port: String(connection.port ?? ""),
            database: connection.database,
            username: connection.username,
            ssl: connection.ssl,
            hasPassword: connection.hasPassword,
          }}
          submitLabel="Save changes"
        />
      </Card>
      <section className="max-w-xl space-y-2">
        <h2 className="text-sm font-semibold text-zinc-900">Delete this connection</h2>
        <p className="text-sm text-zinc-600">
          {users.length === 0
            ? "No source reads from it, so nothing else changes."
            : "Sources read from it: move them to another connection or delete them first."}
        </p>
        <ConfirmButton
          action={deleteConnectionAction}
          fields={{ id: connection.id, name: connection.name }}
          label="Delete connection…"
          confirmLabel={`Delete “${connection.name}”`}
        >
          Delete the connection “{connection.name}” and its stored password?
        </ConfirmButton>
      </section>
    </div>
  );
}
