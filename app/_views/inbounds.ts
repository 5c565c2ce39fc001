import { findInboundById, listInboundRejectionsPage, listInboundsByName } from "@/db/queries/inbounds";
import type { Inbound } from "@/db/schema";
import type { Deps } from "@/spark/deps";
import { flashParam, parsePageCursor, type IgnoredFilter, type Params } from "./list-params";

export const REJECTION_PAGE_SIZE = 50;

/** An inbound as the pages show it: where it reads, its counts and last error; never its password. */
export type InboundRow = {
  id: string;
  name: string;
  kind: Inbound["kind"];
  /** The broker's URL without its password. */
  url: string;
  /** "queue orders" or "stream AUDIT, consumer spark". */
  source: string;
  active: boolean;
  hasPassword: boolean;
  received: number;
  recorded: number;
  duplicates: number;
  rejected: number;
  lastMessageAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  createdAt: Date;
};

/** The stored settings as words; a value that is not a string (a damaged row) shows as "?". */
function sourceOf(inbound: Inbound): string {
  const text = (name: string) => (typeof inbound.config[name] === "string" ? (inbound.config[name] as string) : "?");
  return inbound.kind === "rabbitmq"
    ? `queue ${text("queue")}`
    : `stream ${text("stream")}, consumer ${text("consumer")}`;
}

function rowOf(inbound: Inbound): InboundRow {
  return {
    id: inbound.id,
    name: inbound.name,
    kind: inbound.kind,
    url: inbound.target,
    source: sourceOf(inbound),
    active: inbound.active,
    hasPassword: inbound.secretSealed !== null,
    received: inbound.received,
    recorded: inbound.recorded,
    duplicates: inbound.duplicates,
    rejected: inbound.rejected,
    lastMessageAt: inbound.lastMessageAt,
    lastError: inbound.lastError,
    lastErrorAt: inbound.lastErrorAt,
    createdAt: inbound.createdAt,
  };
}

export type InboundsView = { rows: InboundRow[]; deleted: string | null };

export async function loadInbounds(deps: Pick<Deps, "db">, params: Params): Promise<InboundsView> {
  const deleted = flashParam(params, "deleted");
  return {
    rows: (await listInboundsByName(deps.db)).map(rowOf),
    deleted: deleted ? deleted.slice(0, 100) : null,
  };
}

export type RejectionRow = {
  id: number;
  at: Date;
  reason: string;
  routingKey: string | null;
  messageId: string | null;
  body: string | null;
};

export type InboundDetailView = {
  inbound: InboundRow;
  rejections: RejectionRow[];
  newer: number | null;
  older: number | null;
  ignored: IgnoredFilter[];
  created: boolean;
};

export async function loadInboundDetail(
  deps: Pick<Deps, "db">,
  id: string,
  params: Params,
): Promise<InboundDetailView | null> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
  const inbound = await findInboundById(deps.db, { id });
  if (!inbound) return null;
  const ignored: IgnoredFilter[] = [];
  const cursor = parsePageCursor(params, ignored);
  const page = await listInboundRejectionsPage(deps.db, {
    inboundId: inbound.id,
    cursor,
    limit: REJECTION_PAGE_SIZE,
  });
  return {
    inbound: rowOf(inbound),
    rejections: page.rows.map((r) => ({
      id: r.id,
      at: r.at,
      reason: r.reason,
      routingKey: r.routingKey,
      messageId: r.messageId,
      body: r.body,
    })),
    newer: page.newer,
    older: page.older,
    ignored,
    created: flashParam(params, "created") === "1",
  };
}

export type NewInboundView = { canSealSecrets: boolean };

export function loadNewInbound(deps: Pick<Deps, "connections">): NewInboundView {
  return { canSealSecrets: deps.connections.secrets !== null };
}
