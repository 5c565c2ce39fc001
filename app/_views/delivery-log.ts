import { listCapturedMailsOfDelivery } from "@/db/queries/captured-mails";
import { z } from "zod";
import type { Db } from "@/db/client";
import {
  countDeadDeliveries,
  findDeliveryById,
  listDeliveriesResentFrom,
  listDeliveryAttempts,
  listDeliveryLogPage,
  type DeliveryLogFilters,
  type DeliveryLogRow,
} from "@/db/queries/deliveries";
import { findEventById } from "@/db/queries/events";
import { listTemplates } from "@/db/queries/templates";
import { deliveryStatuses, type DeliveryStatus } from "@/db/schema";
import {
  first,
  parseChoice,
  parseGroupFilter,
  parsePageCursor,
  parseTimeRange,
  setTimeRangeParams,
  type IgnoredFilter,
  type PageCursor,
  type Params,
} from "./list-params";

export const DELIVERY_PAGE_SIZE = 50;

export function parseDeliveryFilters(params: Params): {
  filters: DeliveryLogFilters;
  page: PageCursor;
  ignored: IgnoredFilter[];
} {
  const filters: DeliveryLogFilters = {};
  const ignored: IgnoredFilter[] = [];
  const status = parseChoice(params, "status", deliveryStatuses, ignored);
  if (status) filters.status = status;
  const recipient = first(params.recipient);
  if (recipient !== undefined) {
    if (recipient.length <= 200) filters.recipient = recipient;
    else ignored.push({ name: "recipient", message: "Search for at most 200 characters of an address." });
  }
  const template = first(params.template);
  if (template !== undefined) {
    if (z.uuid().safeParse(template).success) filters.templateId = template;
    else ignored.push({ name: "template", message: "Pick a template from the list." });
  }
  const group = parseGroupFilter(params, ignored);
  if (group) filters.group = group;
  Object.assign(filters, parseTimeRange(params, ignored));
  const event = first(params.event);
  if (event !== undefined) {
    if (/^\d{1,15}$/.test(event)) filters.eventId = Number(event);
    else ignored.push({ name: "event", message: "An event id is a whole number." });
  }
  return { filters, page: parsePageCursor(params, ignored), ignored };
}

export function deliveryFilterQuery(filters: DeliveryLogFilters, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  if (filters.status) params.set("status", filters.status);
  if (filters.recipient) params.set("recipient", filters.recipient);
  if (filters.templateId) params.set("template", filters.templateId);
  if (filters.group) params.set("group", filters.group);
  setTimeRangeParams(params, filters);
  if (filters.eventId) params.set("event", String(filters.eventId));
  for (const [name, value] of Object.entries(extra)) params.set(name, value);
  const text = params.toString();
  return text ? `?${text}` : "";
}

export type DeliveryLogView = {
  filters: DeliveryLogFilters;
  ignored: IgnoredFilter[];
  rows: (DeliveryLogRow & { templateName: string | null })[];
  newer: number | null;
  older: number | null;
  templates: { id: string; name: string }[];
  /** The status filter's choices, in the order a delivery moves through them. */
  statuses: readonly DeliveryStatus[];
  dead: { addressable: number; renderFailures: number };
};

export async function loadDeliveryLog(
  db: Db,
  params: Params,
  { pageSize = DELIVERY_PAGE_SIZE }: { pageSize?: number } = {},
): Promise<DeliveryLogView> {
  const { filters, page, ignored } = parseDeliveryFilters(params);
  const [result, templates, dead] = await Promise.all([
    listDeliveryLogPage(db, { filters, cursor: page, limit: pageSize }),
    listTemplates(db),
    filters.status === undefined || filters.status === "dead"
      ? countDeadDeliveries(db, { filters })
      : Promise.resolve({ addressable: 0, renderFailures: 0 }),
  ]);
  const names = new Map(templates.map((t) => [t.id, t.name]));
  return {
    filters,
    ignored,
    rows: result.rows.map((r) => ({ ...r, templateName: r.templateId ? (names.get(r.templateId) ?? null) : null })),
    newer: result.newer,
    older: result.older,
    templates: templates.map((t) => ({ id: t.id, name: t.name })),
    statuses: deliveryStatuses,
    dead,
  };
}

/** A delivery with everything its page shows: attempts, the event, the template's name, and its resends. */
export async function loadDeliveryDetail(db: Db, id: string) {
  if (!/^\d{1,15}$/.test(id)) return null;
  const delivery = await findDeliveryById(db, { id: Number(id) });
  if (!delivery) return null;
  const [attempts, event, resends, templates, original, inboxCopies] = await Promise.all([
    listDeliveryAttempts(db, { deliveryId: delivery.id }),
    delivery.eventId ? findEventById(db, { id: delivery.eventId }) : null,
    listDeliveriesResentFrom(db, { id: delivery.id }),
    listTemplates(db),
    delivery.resendOf ? findDeliveryById(db, { id: delivery.resendOf }) : null,
    listCapturedMailsOfDelivery(db, { deliveryId: delivery.id }),
  ]);
  const template = delivery.templateId ? (templates.find((t) => t.id === delivery.templateId) ?? null) : null;
  return { delivery, attempts, event, template, resends, original, inboxCopies };
}
