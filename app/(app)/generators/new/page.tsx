import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { GeneratorForm } from "@/components/generators/generator-form";
import { PageHeader } from "@/components/ui/page-header";
import { listSourceOptions } from "@/spark/generators/generators";
import { previewGeneratorAction, saveGeneratorAction } from "../actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "New generator" };

export default async function NewGeneratorPage() {
  await requireSession();
  const { database } = await getEngine();
  const sources = await listSourceOptions(database);
  return (
    <>
      <PageHeader
        title="New generator"
        description="Pick a source, name the event group, and add the conditions a candidate must meet. Preview before you save."
      />
      <GeneratorForm
        action={saveGeneratorAction.bind(null, null)}
        preview={previewGeneratorAction}
        sources={sources}
        submitLabel="Create generator"
        initial={{ name: "", group: "", source: sources[0]?.ref ?? "", conditions: [], active: true }}
      />
    </>
  );
}
