import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { TemplateForm } from "@/components/mail/template-form";
import { PageHeader } from "@/components/ui/page-header";
import { loadNewTemplate } from "@/app/_views/templates";
import { previewTemplateAction, saveTemplateAction, sendTestAction } from "../actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "New template" };

export default async function NewTemplatePage() {
  await requireSession();
  const { config, deps } = await getEngine();
  const { layouts } = await loadNewTemplate(deps.db);
  return (
    <>
      <PageHeader
        title="New template"
        description="Write it with Liquid variables from the event's context; the preview renders it on a recent event of its group as you type."
      />
      <TemplateForm
        save={saveTemplateAction.bind(null, null)}
        preview={previewTemplateAction}
        sendTest={sendTestAction.bind(null, null)}
        defaultFrom={config.mail.from}
        layouts={layouts}
        submitLabel="Create template"
        version={null}
        initial={{
          name: "",
          group: "",
          active: true,
          layout: "",
          from: "",
          to: "",
          cc: "",
          bcc: "",
          replyTo: "",
          subject: "",
          html: "<p>Hello {{ owner_name }},</p>\n",
          text: "",
        }}
      />
    </>
  );
}
