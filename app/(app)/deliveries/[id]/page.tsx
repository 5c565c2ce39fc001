import Link from "next/link";
import { notFound } from "next/navigation";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { DeliveryStatusBadge } from "@/components/mail/delivery-status";
import { MessageView } from "@/components/mail/message-view";
import { ActionButton } from "@/components/ui/action-button";
import { Card } from "@/components/ui/card";
import { formatDuration } from "@/components/ui/format";
import { PageHeader } from "@/components/ui/page-header";
import { TimeAgo } from "@/components/ui/time-ago";
import { loadDeliveryDetail } from "@/app/_views/delivery-log";
import { resendDeliveryAction, retryDeliveryAction } from "../actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "Delivery" };

export default async function DeliveryPage({ params }: { params: Promise<{ id: string }> }) {
  await requireSession();
  const { deps } = await getEngine();
  const detail = await loadDeliveryDetail(deps.db, (await params).id);
  if (!detail) notFound();
  const { delivery: d, attempts, event, template, resends, original, inboxCopies } = detail;
  const now = deps.clock();
  const row = "flex gap-3 py-1.5";
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/deliveries" className="text-spark-700 hover:underline">
          ← Deliveries
        </Link>
      </p>
      <PageHeader
        title={d.subject || `Delivery #${d.id}`}
        description={
          <>
            Delivery #{d.id} to{" "}
            {d.recipient ||
              (d.status === "skipped"
                ? "nobody (the event asks for no recipient)"
                : d.templateId === null && d.templateVersion === null
                  ? "nobody (its spark_mail does not make a mail)"
                  : "nobody (its template did not render)")}
            {d.isTest ? " · a test send" : ""}
          </>
        }
        actions={
          <div className="flex items-start gap-3">
            <DeliveryStatusBadge status={d.status} />
            {d.status === "failed" || d.status === "dead" ? (
              <ActionButton
                action={retryDeliveryAction}
                fields={{ id: String(d.id) }}
                label="Retry now"
                pendingLabel="Sending…"
                variant="primary"
                done={d.recipient === "" && resends.length > 0 ? `Rendered again as #${resends.at(-1)!.id}` : undefined}
              />
            ) : null}
            {d.status === "sent" ? (
              <ActionButton
                action={resendDeliveryAction}
                fields={{ id: String(d.id), seen: String(resends.at(-1)?.id ?? 0) }}
                label="Resend"
                pendingLabel="Sending…"
              />
            ) : null}
          </div>
        }
      />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
        <Card title="Message">
          {d.recipient === "" ? (
            <p className={`text-sm ${d.status === "skipped" ? "text-zinc-700" : "text-red-800"}`}>{d.lastError}</p>
          ) : (
            <>
              <dl className="mb-4 divide-y divide-zinc-100 text-sm">
                <div className={row}>
                  <dt className="w-24 shrink-0 text-zinc-500">From</dt>
                  <dd>{d.headers.from}</dd>
                </div>
                <div className={row}>
                  <dt className="w-24 shrink-0 text-zinc-500">To</dt>
                  <dd>{d.headers.to.join(", ") || "—"}</dd>
                </div>
                {d.headers.cc.length > 0 ? (
                  <div className={row}>
                    <dt className="w-24 shrink-0 text-zinc-500">Cc</dt>
                    <dd>{d.headers.cc.join(", ")}</dd>
                  </div>
                ) : null}
                {d.headers.replyTo.length > 0 ? (
                  <div className={row}>
                    <dt className="w-24 shrink-0 text-zinc-500">Reply-To</dt>
                    <dd>{d.headers.replyTo.join(", ")}</dd>
                  </div>
                ) : null}
                <div className={row}>
                  <dt className="w-24 shrink-0 text-zinc-500">Envelope to</dt>
                  <dd className="font-mono text-xs">{d.recipient}</dd>
                </div>
                <div className={row}>
                  <dt className="w-24 shrink-0 text-zinc-500">Message-ID</dt>
                  <dd className="font-mono text-xs break-all">{d.messageId ?? "assigned at the first attempt"}</dd>
                </div>
              </dl>
              <MessageView html={d.html} text={d.text} />
            </>
          )}
        </Card>
        <div className="space-y-6">
          <Card title="Where it came from">
            <dl className="divide-y divide-zinc-100 text-sm">
              <div className={row}>
                <dt className="w-24 shrink-0 text-zinc-500">Event</dt>
                <dd className="break-all">
                  {event ? (
                    <Link href={`/events/${event.id}`} className="font-mono text-xs text-spark-700 hover:underline">
                      {event.key}
                    </Link>
                  ) : (
                    "—"
                  )}
                </dd>
              </div>
              <div className={row}>
                <dt className="w-24 shrink-0 text-zinc-500">Template</dt>
                <dd>
                  {template ? (
                    <Link href={`/templates/${template.id}`} className="text-spark-700 hover:underline">
                      {template.name}
                    </Link>
                  ) : (
                    "—"
                  )}
                  {d.templateVersion ? <span className="text-zinc-500"> (version {d.templateVersion})</span> : null}
                </dd>
              </div>
              <div className={row}>
                <dt className="w-24 shrink-0 text-zinc-500">Queued</dt>
                <dd>
                  <TimeAgo date={d.createdAt} now={now} />
                </dd>
              </div>
              {d.status === "failed" ? (
                <div className={row}>
                  <dt className="w-24 shrink-0 text-zinc-500">Next try</dt>
                  <dd>
                    <TimeAgo date={d.nextAttemptAt} now={now} />
                  </dd>
                </div>
              ) : null}
              {d.sentAt ? (
                <div className={row}>
                  <dt className="w-24 shrink-0 text-zinc-500">Sent</dt>
                  <dd>
                    <TimeAgo date={d.sentAt} now={now} />
                  </dd>
                </div>
              ) : null}
              {inboxCopies.length > 0 ? (
                <div className={row}>
                  <dt className="w-24 shrink-0 text-zinc-500">Inbox</dt>
                  <dd className="flex flex-wrap gap-2">
                    {inboxCopies.map((copy, i) => (
                      <Link key={copy.id} href={`/inbox/${copy.id}`} className="text-spark-700 hover:underline">
                        {inboxCopies.length === 1 ? "See the captured copy" : `Copy ${i + 1}`}
                      </Link>
                    ))}
                  </dd>
                </div>
              ) : null}
              {original ? (
                <div className={row}>
                  <dt className="w-24 shrink-0 text-zinc-500">Resend of</dt>
                  <dd>
                    <Link href={`/deliveries/${original.id}`} className="text-spark-700 hover:underline">
                      #{original.id}
                    </Link>
                  </dd>
                </div>
              ) : null}
              {resends.length > 0 ? (
                <div className={row}>
                  <dt className="w-24 shrink-0 text-zinc-500">{d.recipient ? "Resent as" : "Retried as"}</dt>
                  <dd className="flex flex-wrap gap-2">
                    {resends.map((r) => (
                      <Link key={r.id} href={`/deliveries/${r.id}`} className="text-spark-700 hover:underline">
                        #{r.id} ({r.status})
                      </Link>
                    ))}
                  </dd>
                </div>
              ) : null}
            </dl>
          </Card>
          <Card title={`Attempts (${attempts.length})`}>
            {attempts.length === 0 ? (
              <p className="text-sm text-zinc-500">
                {d.recipient ? "Not tried yet: the next pass sends it." : "Never tried: it had no recipient."}
              </p>
            ) : (
              <ol className="divide-y divide-zinc-100 text-sm">
                {attempts.map((a) => (
                  <li key={a.id} className="py-2">
                    <div className="flex items-center justify-between gap-2">
                      <span>
                        #{a.attempt} <TimeAgo date={a.startedAt} now={now} />
                      </span>
                      <DeliveryStatusBadge status={a.outcome} />
                    </div>
                    <p className="text-xs text-zinc-500">{formatDuration(a.durationMs)}</p>
                    {a.error ? <p className="mt-1 text-xs break-words text-red-800">{a.error}</p> : null}
                    {a.smtpResponse ? (
                      <p className="mt-1 font-mono text-xs break-all text-zinc-600">{a.smtpResponse}</p>
                    ) : null}
                  </li>
                ))}
              </ol>
            )}
          </Card>
        </div>
      </div>
    </>
  );
}
