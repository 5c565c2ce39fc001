import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { loadNewSqlSource } from "@/app/_views/sources";
import { SqlSourceForm } from "@/components/sources/sql-source-form";
import { PageHeader } from "@/components/ui/page-header";
import { saveSqlSourceAction, testSqlQueryAction } from "../actions";
import { readSchemaAction } from "../schema-action";

export const dynamic = "force-dynamic";
export const metadata = { title: "New SQL source" };

export default async function NewSqlSourcePage() {
  await requireSession();
  const { deps } = await getEngine();
  const { connections, connectionId } = await loadNewSqlSource(deps.db);
  return (
    <>
      <PageHeader
        title="New SQL source"
        description="Test the query, check its columns and rows, then save. Generators can pick it as soon as it is saved."
      />
      <SqlSourceForm
        action={saveSqlSourceAction.bind(null, null)}
        test={testSqlQueryAction}
        initial={{ name: "", description: "", connectionId, query: "" }}
        submitLabel="Create source"
        connections={connections}
        readSchema={readSchemaAction}
      />
    </>
  );
}
