import type { Deps } from "../deps";
import {
  findDeliveryById,
  insertDelivery,
  requeueDeadDeliveries,
  requeueDeliveryById,
  type DeliveryLogFilters,
} from "@/db/queries/deliveries";
import { findEventById } from "@/db/queries/events";
import { findTemplateById } from "@/db/queries/templates";
import type { Delivery } from "@/db/schema";
import { deliveriesOf, renderTemplates } from "./handler";
import { deliverNow } from "./outbox";
import { loadPartialSnapshot } from "./partials";

export type RetryResult =
  | { status: "sent" | "failed" | "dead" | "queued"; message: string; deliveryIds: number[] }
  | { status: "refused"; message: string };

const outcomeMessage = (status: "sent" | "failed" | "dead" | null, recipient: string) =>
  status === "sent"
    ? `Sent to ${recipient}.`
    : status === "failed"
      ? `The server refused it for now; it is retried after its backoff.`
      : status === "dead"
        ? `The server refused it for good; see the attempt below.`
        : `Another sender took it first.`;

/**
 * "Retry now": a failed or dead delivery goes out again at once, keeping its history of attempts. One
 * that died before it had a recipient (its template did not render) is rendered again from the
 * template as it is now; the new deliveries point back at it.
 */
export async function retryDelivery(deps: Deps, { id }: { id: number }): Promise<RetryResult> {
  const delivery = await findDeliveryById(deps.db, { id });
  if (!delivery) return { status: "refused", message: "This delivery no longer exists." };
  if (delivery.status !== "failed" && delivery.status !== "dead")
    return {
      status: "refused",
      message: `Only failed or dead deliveries are retried; this one is ${delivery.status}.`,
    };
  if (delivery.recipient === "") return rerender(deps, delivery);
  const requeued = await requeueDeliveryById(deps.db, { id, at: deps.clock() });
  if (!requeued) return { status: "refused", message: "It changed meanwhile; reload the page." };
  const outcome = await deliverNow(deps, { id });
  return { status: outcome ?? "queued", message: outcomeMessage(outcome, delivery.recipient), deliveryIds: [id] };
}

async function rerender(deps: Deps, dead: Delivery): Promise<RetryResult> {
  const db = deps.db;
  const [event, template] = await Promise.all([
    dead.eventId ? findEventById(db, { id: dead.eventId }) : null,
    dead.templateId ? findTemplateById(db, { id: dead.templateId }) : null,
  ]);
  if (!event || !template)
    return { status: "refused", message: "Its event or its template is gone, so there is nothing to render again." };
  const partials = await loadPartialSnapshot(deps);
  const [outcome] = await renderTemplates(deps.renderer, {
    templates: [template],
    partials,
    contexts: [event.context],
    items: [{ template: 0, context: 0 }],
    settings: deps.settings.mail,
  });
  const rows = deliveriesOf(outcome!, { template, group: event.group, at: deps.clock() });
  if (rows.some((r) => r.status === "dead"))
    return {
      status: "refused",
      message: `The template still does not render for this event: ${rows[0]!.lastError}. Fix it, then retry.`,
    };
  const created: number[] = [];
  for (const { at, ...row } of rows)
    created.push(
      (
        await insertDelivery(db, {
          ...row,
          eventId: event.id,
          createdAt: at,
          updatedAt: at,
          nextAttemptAt: at,
          resendOf: dead.id,
        })
      ).id,
    );
  let sent = 0;
  for (const id of created) if ((await deliverNow(deps, { id })) === "sent") sent++;
  return {
    status: sent === created.length ? "sent" : "queued",
    message: `Rendered again with version ${template.version}: ${created.length} deliver${created.length === 1 ? "y" : "ies"}, ${sent} sent.`,
    deliveryIds: created,
  };
}

/** "Resend": a sent delivery goes out again as a new delivery linked to the original; history is never rewritten. */
export async function resendDelivery(deps: Deps, { id, by }: { id: number; by: string | null }): Promise<RetryResult> {
  const original = await findDeliveryById(deps.db, { id });
  if (!original) return { status: "refused", message: "This delivery no longer exists." };
  if (original.status !== "sent")
    return {
      status: "refused",
      message: `Only sent deliveries are resent; retry this ${original.status} one instead.`,
    };
  const at = deps.clock();
  const copy = await insertDelivery(deps.db, {
    eventId: original.eventId,
    templateId: original.templateId,
    templateVersion: original.templateVersion,
    group: original.group,
    recipient: original.recipient,
    status: "queued",
    subject: original.subject,
    html: original.html,
    text: original.text,
    headers: original.headers,
    isTest: original.isTest,
    resendOf: original.id,
    createdBy: by,
    createdAt: at,
    updatedAt: at,
    nextAttemptAt: at,
  });
  const outcome = await deliverNow(deps, { id: copy.id });
  return {
    status: outcome ?? "queued",
    message: `Resent as delivery #${copy.id}: ${outcomeMessage(outcome, original.recipient)}`,
    deliveryIds: [copy.id],
  };
}

/** "Retry all" on the delivery log: every dead delivery the filters select is queued again; the count comes back. */
export async function retryDeadDeliveries(deps: Deps, { filters }: { filters: DeliveryLogFilters }): Promise<number> {
  return requeueDeadDeliveries(deps.db, { filters, at: deps.clock() });
}
