import { notFound } from "next/navigation";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { GeneratorForm } from "@/components/generators/generator-form";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { PageHeader } from "@/components/ui/page-header";
import { TimeAgo } from "@/components/ui/time-ago";
import { loadGeneratorEditor } from "@/app/_views/generators";
import { deleteGeneratorAction, previewGeneratorAction, saveGeneratorAction } from "../actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "Edit generator" };

export default async function EditGeneratorPage({ params }: { params: Promise<{ id: string }> }) {
  await requireSession();
  const { id } = await params;
  const { deps, config, scheduler } = await getEngine();
  const editor = await loadGeneratorEditor(deps.db, { id, sources: deps.sources });
  if (!editor) notFound();
  const { generator, sources, templatePatterns } = editor;
  return (
    <>
      <PageHeader
        title={generator.name}
        description={
          <>
            Records events in <span className="font-mono">{generator.group}</span>. Last changed{" "}
            <TimeAgo date={generator.updatedAt} now={deps.clock()} />.
          </>
        }
      />
      <GeneratorForm
        action={saveGeneratorAction.bind(null, generator.id)}
        preview={previewGeneratorAction}
        sources={sources}
        templatePatterns={templatePatterns}
        submitLabel="Save changes"
        version={generator.version}
        base={JSON.stringify({
          name: generator.name,
          group: generator.group,
          source: generator.source,
          conditions: generator.conditions,
          active: generator.active,
        })}
        schedule={{ everySeconds: config.scheduleSeconds, nextAt: scheduler?.nextAt()?.toISOString() ?? null }}
        initial={{
          name: generator.name,
          group: generator.group,
          source: generator.source,
          conditions: generator.conditions.map((c) => ({
            variable: c.variable,
            operator: c.operator,
            value: c.value ?? "",
          })),
          active: generator.active,
        }}
      />
      <section className="mt-8 max-w-xl space-y-2">
        <h2 className="text-sm font-semibold text-zinc-900">Delete this generator</h2>
        <p className="text-sm text-zinc-600">
          Job passes stop running it. The events it already recorded, and their deliveries, stay in the log.
        </p>
        <ConfirmButton
          action={deleteGeneratorAction}
          fields={{ id: generator.id, name: generator.name }}
          label="Delete generator…"
          confirmLabel={`Delete “${generator.name}”`}
        >
          Delete “{generator.name}” for good? Renaming its group instead would make keys fire again; deleting does not
          touch recorded events.
        </ConfirmButton>
      </section>
    </>
  );
}
