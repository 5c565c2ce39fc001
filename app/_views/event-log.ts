import { z } from "zod";
import type { Db } from "@/db/client";
import { countDeliveriesByEvent, listDeliveriesByEvent } from "@/db/queries/deliveries";
import { countOutboxByEvent } from "@/db/queries/outbox";
import { listActiveTemplates } from "@/db/queries/templates";
import { compileGroupPattern } from "@/spark/mail/group-pattern";
import {
  findEventById,
  listEventLogPage,
  type EventLogCursor,
  type EventLogRow,
  type EventPosition,
} from "@/db/queries/events";
import type { DeliveryStatus } from "@/db/schema";
import { findGeneratorById, listGenerators } from "@/db/queries/generators";
import { listApiKeyNames } from "@/db/queries/api-keys";
import { listInboundNames, listOutboxSourceNames } from "@/db/queries/event-origins";
import type { CodeSource } from "@/spark/sources/types";
import { listSourceOptions } from "@/spark/generators/generators";
import { DJANGO_SPARK_SOURCE } from "@/spark/imports/django-spark";
import { orderContext, variableOrderOf } from "./context-order";
import {
  first,
  parseGroupFilter,
  parseTimeRange,
  setTimeRangeParams,
  type IgnoredFilter,
  type Params,
} from "./list-params";

export { parseTimeFilter } from "./list-params";

export type { IgnoredFilter };

export const EVENT_PAGE_SIZE = 50;

export type EventFilters = {
  group?: string;
  key?: string;
  generatorId?: string;
  source?: string;
  from?: Date;
  to?: Date;
  failing?: boolean;
  jobRunId?: number;
};

/**
 * Reads the event log's filters from the URL. A filter that makes no sense is dropped and named in
 * `ignored`, so the page still answers and says what it left out.
 */
/** A page link's place in the event log, as the URL carries it: "<created_at in µs>.<id>". */
export const formatEventPosition = (position: EventPosition) => `${position.micros}.${position.id}`;

export function parseEventCursor(params: Params, ignored: IgnoredFilter[]): EventLogCursor {
  for (const name of ["before", "after"] as const) {
    const text = first(params[name]);
    if (text === undefined) continue;
    const match = /^(\d{1,17})\.(\d{1,15})$/.exec(text);
    if (match) {
      const position = { micros: match[1]!, id: Number(match[2]) };
      return name === "before" ? { before: position } : { after: position };
    }
    ignored.push({ name, message: "The page link was damaged; showing the newest rows." });
  }
  return null;
}

export function parseEventFilters(params: Params): {
  filters: EventFilters;
  page: EventLogCursor;
  ignored: IgnoredFilter[];
} {
  const filters: EventFilters = {};
  const ignored: IgnoredFilter[] = [];
  const group = parseGroupFilter(params, ignored);
  if (group) filters.group = group;
  const key = first(params.key);
  if (key !== undefined) {
    if (key.length <= 200) filters.key = key;
    else ignored.push({ name: "key", message: "Search for at most 200 characters of a key." });
  }
  const origin = first(params.origin);
  if (origin !== undefined) {
    const [kind, ...rest] = origin.split(":");
    const value = rest.join(":");
    const source = kind === "source" ? parseSourceRef(value) : null;
    if (kind === "generator" && z.uuid().safeParse(value).success) filters.generatorId = value;
    else if (source) filters.source = source;
    else ignored.push({ name: "origin", message: "Pick a generator or a source from the list." });
  }
  Object.assign(filters, parseTimeRange(params, ignored));
  const run = first(params.run);
  if (run !== undefined) {
    if (/^[1-9]\d{0,14}$/.test(run)) filters.jobRunId = Number(run);
    else if (run !== "") ignored.push({ name: "run", message: "A job run is its number, like 12." });
  }
  const failing = first(params.failing);
  if (failing !== undefined) {
    if (failing === "1") filters.failing = true;
    else ignored.push({ name: "failing", message: "Tick the box or leave it out." });
  }
  return { filters, page: parseEventCursor(params, ignored), ignored };
}

/**
 * A source reference an event can carry: `code:<name>`, `sql:<uuid>`, `api:<API key id>`,
 * `outbox:<outbox source id>`, `inbound:<inbound id>`, or `import:django-spark`. Ids are lowercased, as the database writes uuids, so the filter matches.
 */
function parseSourceRef(value: string): string | null {
  if (/^(code|sql):[A-Za-z0-9_-]{1,100}$/.test(value)) return value;
  if (value === DJANGO_SPARK_SOURCE) return value;
  const match = /^(api|outbox|inbound):(.{1,100})$/.exec(value);
  if (match && z.uuid().safeParse(match[2]).success) return `${match[1]}:${match[2]!.toLowerCase()}`;
  return null;
}

/** Where events came from besides generators: sources, API keys and outbox tables, for labels and the filter. */
export type OriginOption = {
  ref: string;
  kind: "code" | "sql" | "api" | "outbox" | "inbound";
  /** What the log shows for an event from it: the source's name, `API key "deploy-bot"`, `Outbox "orders"`, `Inbound "orders-queue"`. */
  label: string;
  /** Only for API keys: a revoked key's events stay in the log, and the filter still offers it. */
  revoked?: boolean;
};

export const apiKeyOriginLabel = (name: string) => `API key "${name}"`;
export const outboxOriginLabel = (name: string) => `Outbox "${name}"`;
export const inboundOriginLabel = (name: string) => `Inbound "${name}"`;

/** Code and SQL sources (what generators read), then API keys (revoked ones too), outbox tables and inbounds. */
export async function listOriginOptions(db: Db, registered: readonly CodeSource[]): Promise<OriginOption[]> {
  const [sources, keys, outboxes, inboundNames] = await Promise.all([
    listSourceOptions({ db, sources: registered }),
    listApiKeyNames(db),
    listOutboxSourceNames(db),
    listInboundNames(db),
  ]);
  return [
    ...sources.map((s) => ({ ref: s.ref, kind: s.kind, label: s.label })),
    ...keys.map((k) => ({
      ref: `api:${k.id}`,
      kind: "api" as const,
      label: apiKeyOriginLabel(k.name),
      revoked: k.revokedAt !== null,
    })),
    ...outboxes.map((o) => ({ ref: `outbox:${o.id}`, kind: "outbox" as const, label: outboxOriginLabel(o.name) })),
    ...inboundNames.map((i) => ({
      ref: `inbound:${i.id}`,
      kind: "inbound" as const,
      label: inboundOriginLabel(i.name),
    })),
  ];
}

/** The URL query for a set of filters, so links and the form agree on one spelling. */
export function eventFilterQuery(filters: EventFilters, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  if (filters.group) params.set("group", filters.group);
  if (filters.key) params.set("key", filters.key);
  if (filters.generatorId) params.set("origin", `generator:${filters.generatorId}`);
  else if (filters.source) params.set("origin", `source:${filters.source}`);
  setTimeRangeParams(params, filters);
  if (filters.failing) params.set("failing", "1");
  if (filters.jobRunId) params.set("run", String(filters.jobRunId));
  for (const [name, value] of Object.entries(extra)) params.set(name, value);
  const text = params.toString();
  return text ? `?${text}` : "";
}

export type EventLogView = {
  filters: EventFilters;
  ignored: IgnoredFilter[];
  rows: (EventLogRow & { origin: string; deliveries: Partial<Record<DeliveryStatus, number>> })[];
  /** Page links' cursors, as the URL carries them. */
  newer: string | null;
  older: string | null;
  generators: { id: string; name: string; group: string }[];
  sources: OriginOption[];
};

/** A reference whose source is gone (a deleted SQL or outbox source): still say what kind it was. */
function unknownOriginLabel(ref: string): string | null {
  if (ref === DJANGO_SPARK_SOURCE) return "Imported from django-spark";
  if (ref.startsWith("api:")) return "API key (unknown)";
  if (ref.startsWith("outbox:")) return "Outbox (deleted)";
  if (ref.startsWith("inbound:")) return "Inbound (deleted)";
  return null;
}

/** Everything the event log page shows, from its URL parameters. */
export async function loadEventLog(
  db: Db,
  params: Params,
  { sources: registered, pageSize = EVENT_PAGE_SIZE }: { sources: readonly CodeSource[]; pageSize?: number },
): Promise<EventLogView> {
  const { filters, page, ignored } = parseEventFilters(params);
  const [result, generators, sources] = await Promise.all([
    listEventLogPage(db, { filters, cursor: page, limit: pageSize }),
    listGenerators(db),
    listOriginOptions(db, registered),
  ]);
  const summaries = await countDeliveriesByEvent(db, { eventIds: result.rows.map((r) => r.id) });
  const generatorNames = new Map(generators.map((g) => [g.id, g.name]));
  const sourceLabels = new Map(sources.map((s) => [s.ref, s.label]));
  const originOf = (row: EventLogRow) => {
    if (row.generatorId) return generatorNames.get(row.generatorId) ?? "deleted generator";
    if (row.source) return sourceLabels.get(row.source) ?? unknownOriginLabel(row.source) ?? row.source;
    return "recorded by code";
  };
  return {
    filters,
    ignored,
    rows: result.rows.map((row) => ({ ...row, origin: originOf(row), deliveries: summaries.get(row.id) ?? {} })),
    newer: result.newer && formatEventPosition(result.newer),
    older: result.older && formatEventPosition(result.older),
    generators: generators.map((g) => ({ id: g.id, name: g.name, group: g.group })),
    sources,
  };
}

/** One event with where it came from: its generator (null once deleted) and its source's label. */
export async function loadEventDetail(db: Db, id: string, { sources: registered }: { sources: readonly CodeSource[] }) {
  if (!/^\d{1,15}$/.test(id)) return null;
  const event = await findEventById(db, { id: Number(id) });
  if (!event) return null;
  const [generator, sources, deliveries, order, outbox] = await Promise.all([
    event.generatorId ? findGeneratorById(db, { id: event.generatorId }) : null,
    listOriginOptions(db, registered),
    listDeliveriesByEvent(db, { eventId: event.id }),
    variableOrderOf(db, { source: event.source, sources: registered }),
    countOutboxByEvent(db, { eventIds: [event.id] }),
  ]);
  const templates = (await listActiveTemplates(db)).filter((t) => compileGroupPattern(t.groupPattern)(event.group));
  return {
    event: { ...event, context: orderContext(event.context, order) },
    generator,
    deliveries,
    /** Mail queued for the event that the sender has not rendered yet. */
    pendingMail: outbox.get(event.id) ?? 0,
    /** Active templates that answer the event's group now (one written after the event sends for it on request). */
    templates: templates.map((t) => ({ id: t.id, name: t.name })),
    sourceLabel: event.source
      ? (sources.find((s) => s.ref === event.source)?.label ?? unknownOriginLabel(event.source))
      : null,
  };
}
