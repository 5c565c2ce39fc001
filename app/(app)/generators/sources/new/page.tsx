import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { listConnections, SAMPLE_CONNECTION_ID } from "@/db/queries/connections";
import { SqlSourceForm } from "@/components/sources/sql-source-form";
import { PageHeader } from "@/components/ui/page-header";
import { saveSqlSourceAction, testSqlQueryAction } from "../actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "New SQL source" };

export default async function NewSqlSourcePage() {
  await requireSession();
  const { deps } = await getEngine();
  const connections = await listConnections(deps.db);
  return (
    <>
      <PageHeader
        title="New SQL source"
        description="Test the query, check its columns and rows, then save. Generators can pick it as soon as it is saved."
      />
      <SqlSourceForm
        action={saveSqlSourceAction.bind(null, null)}
        test={testSqlQueryAction}
        initial={{ name: "", description: "", connectionId: SAMPLE_CONNECTION_ID, query: "" }}
        submitLabel="Create source"
        connections={connections.map((c) => ({ id: c.id, name: c.name, kind: c.kind }))}
      />
    </>
  );
}
