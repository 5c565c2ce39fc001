import Link from "next/link";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { loadSubscriptionDetail, PARKED_SHOWN, THROUGHPUT_WINDOW_MINUTES } from "@/app/_views/subscriptions";
import { RewindForm } from "@/components/subscriptions/rewind-form";
import { RotateSecret } from "@/components/subscriptions/rotate-secret";
import { Destination, Lag, SubscriptionStatus, When } from "@/components/subscriptions/subscription-parts";
import { ActionButton } from "@/components/ui/action-button";
import { Badge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { DataTable } from "@/components/ui/data-table";
import { formatDuration, formatNumber } from "@/components/ui/format";
import { IgnoredFilters } from "@/components/ui/ignored-filters";
import { LiveRefresh } from "@/components/ui/live-refresh";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { Pager } from "@/components/ui/pager";
import {
  deleteSubscriptionAction,
  replayAllParkedAction,
  replayParkedEventAction,
  rewindSubscriptionAction,
  rotateSecretAction,
  sendEventAgainAction,
  setSubscriptionActiveAction,
} from "../actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "Subscription" };

const outcomeTone = { delivered: "green", failed: "amber", parked: "red" } as const;

const KIND_DESCRIPTIONS: Record<string, string> = {
  webhook: "A webhook: each event is POSTed to its URL, signed as Standard Webhooks.",
  code: "A code subscriber: each event is handed to the TypeScript subscriber it names.",
  rabbitmq:
    "A RabbitMQ relay: each event is published to an exchange, persistent, and counts once the broker confirms it.",
  nats: "A NATS JetStream relay: each event is published to a subject, and counts once the stream acknowledges it.",
};

/** Where a relay publishes, as the rows of its state card: what an operator checks against the broker. */
function relaySettingsOf(kind: string, config: Record<string, unknown>): [string, ReactNode][] {
  const code = (value: unknown, fallback: string) => (
    <code className="font-mono text-xs break-all">{typeof value === "string" && value !== "" ? value : fallback}</code>
  );
  if (kind === "rabbitmq")
    return [
      ["Exchange", code(config.exchange, "amq.topic")],
      ["Routing key", code(config.routingKey, "{group}")],
    ];
  if (kind === "nats") return [["Subject", code(config.subject, "spark.{group}")]];
  return [];
}

export default async function SubscriptionPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { operator } = await requireSession();
  const { deps } = await getEngine();
  const { id } = await params;
  const query = await searchParams;
  const detail = await loadSubscriptionDetail(deps, id, query);
  if (!detail) notFound();
  const { subscription: s, parked, attempts } = detail;
  const now = deps.clock();
  const isAdmin = operator.role === "admin";
  const rows: [string, ReactNode][] = [
    ["Destination", <Destination key="d" kind={s.kind} target={s.target} />],
    ...relaySettingsOf(s.kind, s.config),
    [
      "Event groups",
      <code key="g" className="font-mono text-xs break-all">
        {s.groupPattern}
      </code>,
    ],
    ["Status", <SubscriptionStatus key="s" status={s.status} reason={s.disabledReason} />],
    ["Lag", <Lag key="l" lag={s.lag} />],
    ["Delivered", formatNumber(s.delivered)],
    [
      "Throughput",
      `${formatNumber(Math.round(detail.perMinute * 10) / 10)} events a minute over the last ${THROUGHPUT_WINDOW_MINUTES} minutes`,
    ],
    ["Last delivered", <When key="w" date={s.lastDeliveredAt} now={now} />],
    [
      "Backlog",
      `${formatNumber(s.backlog.waiting)} waiting for another attempt, ${formatNumber(s.backlog.parked)} parked`,
    ],
    [
      "Last error",
      s.lastError ? (
        <span key="e" className="block text-red-800 break-words">
          {s.lastError}
          <span className="block text-xs text-zinc-500">
            <When date={s.lastErrorAt} now={now} />
          </span>
        </span>
      ) : (
        <span key="e" className="text-zinc-400">
          none
        </span>
      ),
    ],
    [
      "Order",
      s.strictOrder
        ? "Strict: waits on a failing event, retrying it"
        : `Parks an event after ${formatNumber(s.attemptLimit)} failed attempt${s.attemptLimit === 1 ? "" : "s"} and goes on`,
    ],
    [
      "Read by",
      s.reader ?? (
        <span key="r" className="text-zinc-400">
          nobody right now
        </span>
      ),
    ],
    ...(s.previousSecretUntil
      ? ([["Old secret signs until", <When key="p" date={s.previousSecretUntil} now={now} />]] as [string, ReactNode][])
      : []),
    ["Created", <When key="c" date={s.createdAt} now={now} />],
    [
      "Last changed",
      <span key="u">
        <When date={s.updatedAt} now={now} />
        {detail.updatedBy ? <span className="block text-xs break-all text-zinc-500">by {detail.updatedBy}</span> : null}
      </span>,
    ],
  ];
  const attemptsHref = (extra: Record<string, string>) => {
    const q = new URLSearchParams(extra).toString();
    return `/subscriptions/${s.id}${q ? `?${q}` : ""}#attempts`;
  };
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/subscriptions" className="text-spark-700 hover:underline">
          ← Subscriptions
        </Link>
      </p>
      <PageHeader
        title={s.name}
        description={KIND_DESCRIPTIONS[s.kind] ?? `A destination of kind ${s.kind}.`}
        actions={
          <div className="flex flex-wrap items-start gap-3">
            <LiveRefresh active={s.status === "active"} everyMs={3000} />
            {isAdmin ? (
              <Link href={`/subscriptions/${s.id}/edit`} className={buttonClass("secondary")}>
                Edit
              </Link>
            ) : null}
            {s.status === "active" ? (
              <ActionButton
                key="pause"
                action={setSubscriptionActiveAction.bind(null, false)}
                fields={{ id: s.id }}
                label="Pause"
                pendingLabel="Pausing…"
              />
            ) : (
              <ActionButton
                key="resume"
                action={setSubscriptionActiveAction.bind(null, true)}
                fields={{ id: s.id }}
                label="Resume"
                pendingLabel="Resuming…"
                variant="primary"
              />
            )}
          </div>
        }
      />
      <div className="mb-4 space-y-2 empty:hidden">
        {query.created === "1" ? <Notice tone="success">Created “{s.name}”.</Notice> : null}
        {query.saved === "1" ? (
          <Notice tone="success">Saved “{s.name}”: the events after its checkpoint go where it now says.</Notice>
        ) : null}
      </div>
      <IgnoredFilters ignored={detail.ignored} />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <div role="region" aria-label="State" className="min-w-0">
          <Card title="State">
            <dl className="divide-y divide-zinc-100 text-sm">
              {rows.map(([term, value]) => (
                <div key={term} className="flex gap-3 py-1.5">
                  <dt className="w-32 shrink-0 text-zinc-500">{term}</dt>
                  <dd className="min-w-0 flex-1">{value}</dd>
                </div>
              ))}
            </dl>
          </Card>
        </div>
        <div className="min-w-0 space-y-6">
          <Card
            title="Rewind"
            description="Move the checkpoint: back to send events again, or to now to skip what is waiting. You see how many events it re-sends before anything changes."
          >
            {isAdmin ? (
              <RewindForm id={s.id} version={s.version} action={rewindSubscriptionAction} />
            ) : (
              <p className="text-sm text-zinc-500">Only an admin can rewind a subscription.</p>
            )}
          </Card>
          {s.kind === "webhook" ? (
            <div role="region" aria-label="Signing secret">
              <Card
                title="Signing secret"
                description="Shown once when made. Rotating makes a new one; the old one keeps signing for 24 hours."
              >
                {isAdmin ? (
                  <RotateSecret id={s.id} seen={s.rotationSeen} action={rotateSecretAction} />
                ) : (
                  <p className="text-sm text-zinc-500">Only an admin can rotate the secret.</p>
                )}
              </Card>
            </div>
          ) : null}
          {isAdmin ? (
            <Card title="Delete">
              <ConfirmButton
                action={deleteSubscriptionAction}
                fields={{ id: s.id }}
                label="Delete subscription…"
                confirmLabel={`Delete “${s.name}”`}
              >
                Delete “{s.name}”? Nothing more is sent, and its checkpoint, {formatNumber(s.backlog.parked)} parked
                events and attempt log go with it. The events stay in the log. This cannot be undone.
              </ConfirmButton>
            </Card>
          ) : null}
        </div>
      </div>

      <div className="mt-6" role="region" aria-label="Parked events">
        <Card
          title={`Parked events (${formatNumber(s.backlog.parked)})`}
          description={`Events whose ${s.attemptLimit === 1 ? "one attempt" : `${formatNumber(s.attemptLimit)} attempts`} all failed: the subscription went on without them. Replaying puts them back in line for an attempt now.`}
        >
          {parked.length === 0 ? (
            <p className="text-sm text-zinc-500">Nothing is parked.</p>
          ) : (
            <div className="space-y-4">
              <div className="max-w-2xl">
                <ConfirmButton
                  action={replayAllParkedAction}
                  fields={{ id: s.id, count: String(s.backlog.parked) }}
                  label={`Replay all ${formatNumber(s.backlog.parked)}…`}
                  confirmLabel={`Replay ${formatNumber(s.backlog.parked)} event${s.backlog.parked === 1 ? "" : "s"}`}
                >
                  Send the {formatNumber(s.backlog.parked)} parked event{s.backlog.parked === 1 ? "" : "s"} again? Each
                  gets a fresh set of {formatNumber(s.attemptLimit)} attempt{s.attemptLimit === 1 ? "" : "s"}, starting
                  now.
                </ConfirmButton>
              </div>
              <DataTable
                inCard
                columns={["Event", "Attempts", "Last error", "Parked", { label: "Actions", hidden: true }]}
              >
                {parked.map((p) => (
                  <tr key={p.eventId} className="align-top">
                    <td className="max-w-[16rem] px-5 py-3">
                      <Link
                        href={`/events/${p.eventId}`}
                        className="font-mono text-xs break-all text-spark-700 hover:underline"
                      >
                        {p.key ?? `#${p.eventId}`}
                      </Link>
                    </td>
                    <td className="px-5 py-3 tabular-nums">{p.attempts}</td>
                    <td className="max-w-[22rem] px-5 py-3">
                      <p className="line-clamp-3 text-xs break-words text-red-800" title={p.lastError ?? ""}>
                        {p.lastError ?? "—"}
                      </p>
                    </td>
                    <td className="px-5 py-3">
                      <When date={p.parkedAt} now={now} />
                    </td>
                    <td className="px-5 py-3 text-right">
                      <ActionButton
                        action={replayParkedEventAction}
                        fields={{ id: s.id, eventId: String(p.eventId) }}
                        label="Replay"
                        pendingLabel="Replaying…"
                      />
                    </td>
                  </tr>
                ))}
              </DataTable>
              {s.backlog.parked > parked.length ? (
                <p className="text-sm text-zinc-500">
                  Showing the oldest {formatNumber(PARKED_SHOWN)}; Replay all covers every one.
                </p>
              ) : null}
            </div>
          )}
        </Card>
      </div>

      <div className="mt-6" id="attempts" role="region" aria-label="Attempts">
        <Card
          title="Attempts"
          description={
            s.strictOrder
              ? "Every attempt to hand an event on, newest first."
              : "Every attempt to hand an event on, newest first. Send again puts a delivered event back in line, with the same webhook-id."
          }
        >
          {attempts.length === 0 ? (
            <p className="text-sm text-zinc-500">
              No attempts yet: nothing of its groups has been recorded since it started.
            </p>
          ) : (
            <DataTable
              inCard
              columns={["Time", "Event", "Attempt", "Outcome", { label: "Duration", align: "right" }, "Answer"]}
            >
              {attempts.map((a) => (
                <tr key={a.id} className="align-top">
                  <td className="px-5 py-3">
                    <When date={a.startedAt} now={now} />
                  </td>
                  <td className="max-w-[14rem] px-5 py-3">
                    <Link
                      href={`/events/${a.eventId}`}
                      className="font-mono text-xs break-all text-spark-700 hover:underline"
                    >
                      {a.eventKey ?? `#${a.eventId}`}
                    </Link>
                  </td>
                  <td className="px-5 py-3 tabular-nums">#{a.attempt}</td>
                  <td className="px-5 py-3">
                    <Badge tone={outcomeTone[a.outcome]}>{a.outcome}</Badge>
                    {a.outcome === "delivered" && !s.strictOrder ? (
                      <div className="mt-1.5">
                        <ActionButton
                          action={sendEventAgainAction}
                          fields={{ id: s.id, attemptId: String(a.id) }}
                          label="Send again"
                          pendingLabel="Queuing…"
                          variant="ghost"
                        />
                      </div>
                    ) : null}
                  </td>
                  <td className="px-5 py-3 text-right whitespace-nowrap tabular-nums">
                    {formatDuration(a.durationMs)}
                  </td>
                  <td className="max-w-[22rem] px-5 py-3 text-xs">
                    {a.statusCode !== null ? <span className="font-medium">HTTP {a.statusCode}</span> : null}
                    {a.response ? (
                      <p className="line-clamp-2 font-mono break-all text-zinc-600" title={a.response}>
                        {a.response}
                      </p>
                    ) : null}
                    {a.error ? (
                      <p className="line-clamp-3 break-words text-red-800" title={a.error}>
                        {a.error}
                      </p>
                    ) : null}
                    {a.statusCode === null && !a.response && !a.error ? <span className="text-zinc-400">—</span> : null}
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
          <Pager label="Attempt pages" newer={detail.newer} older={detail.older} href={attemptsHref} />
        </Card>
      </div>
    </>
  );
}
