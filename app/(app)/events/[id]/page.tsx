import Link from "next/link";
import { notFound } from "next/navigation";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { DeliveryStatusBadge } from "@/components/mail/delivery-status";
import { Card } from "@/components/ui/card";
import { JsonTree } from "@/components/ui/json-tree";
import { PageHeader } from "@/components/ui/page-header";
import { TimeAgo } from "@/components/ui/time-ago";
import { eventFilterQuery, loadEventDetail } from "@/app/_views/event-log";
import { DataTable } from "@/components/ui/data-table";

export const dynamic = "force-dynamic";
export const metadata = { title: "Event" };

export default async function EventPage({ params }: { params: Promise<{ id: string }> }) {
  await requireSession();
  const { deps } = await getEngine();
  const detail = await loadEventDetail(deps.db, (await params).id, { sources: deps.sources });
  if (!detail) notFound();
  const { event, generator, sourceLabel, deliveries, pendingMail, templates } = detail;
  const row = "flex flex-wrap justify-between gap-x-4 gap-y-1 py-2";
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/events" className="text-spark-700 hover:underline">
          ← Events
        </Link>
      </p>
      <PageHeader
        title={event.key}
        description={
          <>
            Event #{event.id} in <span className="font-mono">{event.group}</span>
          </>
        }
      />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_minmax(0,2fr)]">
        <Card title="Where it came from">
          <dl className="divide-y divide-zinc-100 text-sm">
            <div className={row}>
              <dt className="text-zinc-500">Recorded</dt>
              <dd>
                <TimeAgo date={event.createdAt} now={deps.clock()} />
              </dd>
            </div>
            <div className={row}>
              <dt className="text-zinc-500">Group</dt>
              <dd>
                <Link
                  href={`/events${eventFilterQuery({ group: event.group })}`}
                  className="font-mono text-xs text-spark-700 hover:underline"
                >
                  {event.group}
                </Link>
              </dd>
            </div>
            <div className={row}>
              <dt className="text-zinc-500">Generator</dt>
              <dd>
                {generator ? (
                  <Link href={`/generators/${generator.id}`} className="text-spark-700 hover:underline">
                    {generator.name}
                  </Link>
                ) : event.generatorId ? (
                  <span className="text-zinc-500">deleted</span>
                ) : (
                  <span className="text-zinc-500">
                    none (
                    {event.source?.startsWith("api:")
                      ? "recorded through the API"
                      : event.source?.startsWith("outbox:")
                        ? "read from an outbox table"
                        : "recorded by code"}
                    )
                  </span>
                )}
              </dd>
            </div>
            <div className={row}>
              <dt className="text-zinc-500">Source</dt>
              <dd>{event.source ? (sourceLabel ?? <span className="font-mono text-xs">{event.source}</span>) : "—"}</dd>
            </div>
            {event.aggregateType !== null ? (
              <div className={row}>
                <dt className="text-zinc-500">Aggregate</dt>
                <dd className="text-right">
                  <span className="font-mono text-xs break-all">
                    {event.aggregateType}/{event.aggregateId}
                  </span>{" "}
                  <span className="text-zinc-600">· version {event.aggregateVersion}</span>
                </dd>
              </div>
            ) : null}
            <div className={row}>
              <dt className="text-zinc-500">Job run</dt>
              <dd className="font-mono text-xs">
                {event.jobRunId === null ? (
                  "—"
                ) : (
                  <Link href={`/jobs/${event.jobRunId}`} className="text-spark-700 hover:underline">
                    #{event.jobRunId}
                  </Link>
                )}
              </dd>
            </div>
          </dl>
        </Card>
        <Card title="Context" description="The variables templates and handlers see.">
          <JsonTree value={event.context} />
        </Card>
      </div>
      <section className="mt-6">
        <Card
          title={`Deliveries (${deliveries.length})`}
          description={
            pendingMail > 0
              ? `${pendingMail} ${pendingMail === 1 ? "mail is" : "mails are"} queued: rendered with the template as it was when the event was recorded, and sent by the next pass.`
              : deliveries.length === 0
                ? "No active template matched this event's group when it was recorded."
                : undefined
          }
        >
          {deliveries.length === 0 && pendingMail > 0 ? null : deliveries.length === 0 && templates.length > 0 ? (
            <p className="text-sm text-zinc-600">
              {templates.map((t, i) => (
                <span key={t.id}>
                  {i > 0 ? ", " : ""}
                  <Link href={`/templates/${t.id}`} className="text-spark-700 hover:underline">
                    {t.name}
                  </Link>
                </span>
              ))}{" "}
              answers {event.group} now: use its “Send for past events” to mail this event.
            </p>
          ) : deliveries.length === 0 ? (
            <Link href="/templates/new" className="text-sm text-spark-700 hover:underline">
              Write a template for {event.group}
            </Link>
          ) : (
            <DataTable inCard columns={["Recipient", "Subject", "Status", "Attempts"]}>
              {deliveries.map((d) => (
                <tr key={d.id} className="align-top">
                  <td className="px-5 py-2 break-all">{d.recipient || <span className="text-zinc-400">none</span>}</td>
                  <td className="px-5 py-2">
                    <Link href={`/deliveries/${d.id}`} className="text-spark-700 hover:underline">
                      {d.subject || `Delivery #${d.id}`}
                    </Link>
                    {d.isTest ? <span className="ml-2 text-xs text-zinc-500">test</span> : null}
                  </td>
                  <td className="px-5 py-2">
                    <DeliveryStatusBadge status={d.status} />
                    {d.lastError && d.status !== "sent" ? (
                      <p
                        className={`mt-1 max-w-md text-xs ${d.status === "skipped" ? "text-zinc-500" : "text-red-700"}`}
                      >
                        {d.lastError}
                      </p>
                    ) : null}
                  </td>
                  <td className="px-5 py-2">{d.attempts}</td>
                </tr>
              ))}
            </DataTable>
          )}
        </Card>
      </section>
    </>
  );
}
