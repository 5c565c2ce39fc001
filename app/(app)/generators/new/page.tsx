import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { GeneratorForm } from "@/components/generators/generator-form";
import { PageHeader } from "@/components/ui/page-header";
import { loadNewGenerator } from "@/app/_views/generators";
import { previewGeneratorAction, saveGeneratorAction } from "../actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "New generator" };

export default async function NewGeneratorPage() {
  await requireSession();
  const { deps } = await getEngine();
  const { sources } = await loadNewGenerator(deps.db, { sources: deps.sources });
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
