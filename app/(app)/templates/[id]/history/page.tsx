import Link from "next/link";
import { notFound } from "next/navigation";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { TextDiff } from "@/components/mail/text-diff";
import { ActionButton } from "@/components/ui/action-button";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { TimeAgo } from "@/components/ui/time-ago";
import { listTemplateVersions, templateFieldsOf } from "@/db/queries/templates";
import { listUsers } from "@/db/queries/users";
import type { TemplateFieldValues } from "@/db/schema";
import { loadTemplate } from "@/spark/mail/templates";
import { restoreVersionAction } from "../../actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "Template history" };

const FIELDS: [keyof TemplateFieldValues, string][] = [
  ["name", "Name"],
  ["group", "Event group"],
  ["active", "Active"],
  ["from", "From"],
  ["to", "To"],
  ["cc", "Cc"],
  ["bcc", "Bcc"],
  ["replyTo", "Reply-To"],
  ["subject", "Subject"],
  ["html", "HTML body"],
  ["text", "Text body"],
];

export default async function TemplateHistoryPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireSession();
  const [{ id }, query] = await Promise.all([params, searchParams]);
  const { database, deps } = await getEngine();
  const template = await loadTemplate(database, id);
  if (!template) notFound();
  const [versions, users] = await Promise.all([listTemplateVersions(deps.db, { templateId: template.id }), listUsers(deps.db)]);
  const emails = new Map(users.map((u) => [u.id, u.email]));
  const asked = Number(typeof query.v === "string" ? query.v : NaN);
  const selected = versions.find((v) => v.version === asked) ?? versions.find((v) => v.version < template.version) ?? versions[0];
  const current = templateFieldsOf(template);
  const now = deps.clock();
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href={`/templates/${template.id}`} className="text-spark-700 hover:underline">
          ← {template.name}
        </Link>
      </p>
      <PageHeader title="History" description={`Every save of “${template.name}” is a version. Pick one to see what changed since, and restore it if you need to.`} />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_minmax(0,2.5fr)]">
        <Card title="Versions">
          <ol className="-mx-5 divide-y divide-zinc-100 text-sm">
            {versions.map((v) => (
              <li key={v.version}>
                <Link
                  href={`/templates/${template.id}/history?v=${v.version}`}
                  aria-current={selected?.version === v.version ? "true" : undefined}
                  className={`block px-5 py-2 hover:bg-zinc-50 ${selected?.version === v.version ? "bg-spark-50" : ""}`}
                >
                  <span className="font-medium">Version {v.version}</span>
                  {v.version === template.version ? <span className="ml-2 text-xs text-emerald-700">current</span> : null}
                  <span className="block text-xs text-zinc-500">
                    {v.note || "saved"} · {v.createdBy ? (emails.get(v.createdBy) ?? "a deleted operator") : "Spark"} · <TimeAgo date={v.createdAt} now={now} />
                  </span>
                </Link>
              </li>
            ))}
          </ol>
        </Card>
        {selected ? (
          <Card
            title={selected.version === template.version ? `Version ${selected.version} (current)` : `Version ${selected.version} → current (version ${template.version})`}
            description={selected.version === template.version ? "This is what is saved now; pick an older version to compare." : "Lines removed since this version are red, lines added since are green."}
            actions={
              selected.version === template.version ? null : (
                <ActionButton action={restoreVersionAction} fields={{ id: template.id, version: String(selected.version) }} label={`Restore version ${selected.version}`} pendingLabel="Restoring…" />
              )
            }
          >
            <div className="space-y-4">
              {FIELDS.map(([key, label]) => (
                <TextDiff key={key} label={label} before={String(selected.fields[key])} after={String(current[key])} />
              ))}
            </div>
          </Card>
        ) : null}
      </div>
    </>
  );
}
