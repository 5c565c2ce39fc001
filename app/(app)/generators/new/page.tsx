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
  const { deps, config, scheduler } = await getEngine();
  const { sources, templatePatterns } = await loadNewGenerator(deps.db, { sources: deps.sources });
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
        templatePatterns={templatePatterns}
        submitLabel="Create generator"
        version={null}
        schedule={{ everySeconds: config.scheduleSeconds, nextAt: scheduler?.nextAt()?.toISOString() ?? null }}
        // Paused until the operator turns it on: a pass could otherwise record events before their template exists.
        initial={{ name: "", group: "", source: sources[0]?.ref ?? "", conditions: [], active: false }}
      />
    </>
  );
}
