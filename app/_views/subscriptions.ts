import { z } from "zod";
import {
  countDeliveredSince,
  listParkedEvents,
  listSubscriptionAttemptsPage,
  listSubscriptionsPage,
  type AttemptLogRow,
  type ParkedEventRow,
} from "@/db/queries/subscription-views";
import { findUserById } from "@/db/queries/users";
import { findSubscriptionById } from "@/db/queries/subscriptions";
import type { SubscriptionEditView } from "@/components/subscriptions/subscription-form";
import { subscriptionStatuses, type SubscriptionStatus } from "@/db/schema";
import type { Deps } from "@/spark/deps";
import { describeSubscription, type SubscriptionState } from "@/spark/subscriptions/subscriptions";
import { first, flashParam, parseChoice, parsePageCursor, type IgnoredFilter, type Params } from "./list-params";

export const SUBSCRIPTION_PAGE_SIZE = 50;
export const ATTEMPT_PAGE_SIZE = 50;
/** The parked list shows this many; "Replay all" still covers every parked event. */
export const PARKED_SHOWN = 100;
/** Throughput is measured over this window: long enough to smooth bursts, short enough to stay cheap. */
export const THROUGHPUT_WINDOW_MINUTES = 5;

/** A subscription as the list and the detail show it: no secret, no sealed value, ever. */
export type SubscriptionRow = {
  id: string;
  name: string;
  kind: string;
  /** The webhook's URL, the code subscriber's name, or the broker's URL (never with its password). */
  target: string;
  /** A relay's exchange and routing key, or its subject. */
  config: Record<string, unknown>;
  groupPattern: string;
  status: SubscriptionStatus;
  disabledReason: string | null;
  strictOrder: boolean;
  attemptLimit: number;
  delivered: number;
  lastDeliveredAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  lag: SubscriptionState["lag"];
  backlog: SubscriptionState["backlog"];
  /** The instance reading it now, while its lease lasts. */
  reader: string | null;
  /** Until when the secret a rotation replaced still signs; null when none does. */
  previousSecretUntil: Date | null;
  /** The rotation state as stored, posted back by "Rotate secret" so a repeated press rotates nothing. */
  rotationSeen: string;
  /** Moves when the checkpoint is reset or the subscription edited: a rewind confirmed at one version is not applied at another. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
};

type ViewDeps = Pick<Deps, "db" | "clock">;

function rowOf({ subscription: s, lag, backlog }: SubscriptionState, now: Date): SubscriptionRow {
  return {
    id: s.id,
    name: s.name,
    kind: s.kind,
    target: s.target,
    config: s.config,
    groupPattern: s.groupPattern,
    status: s.status,
    disabledReason: s.disabledReason,
    strictOrder: s.strictOrder,
    attemptLimit: s.attemptLimit,
    delivered: s.deliveredCount,
    lastDeliveredAt: s.lastDeliveredAt,
    lastError: s.lastError,
    lastErrorAt: s.lastErrorAt,
    lag,
    backlog,
    reader: s.leaseUntil && s.leaseUntil > now ? s.leaseHolder : null,
    previousSecretUntil: s.previousSecretUntil && s.previousSecretUntil > now ? s.previousSecretUntil : null,
    rotationSeen: s.previousSecretUntil?.toISOString() ?? "none",
    version: s.version,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

export type SubscriptionsView = {
  /** Each with the events it handed on per minute over the last THROUGHPUT_WINDOW_MINUTES. */
  rows: (SubscriptionRow & { perMinute: number })[];
  status?: SubscriptionStatus;
  statuses: readonly SubscriptionStatus[];
  ignored: IgnoredFilter[];
  page: number;
  pages: number;
  total: number;
  /** The name a delete put in the URL on its way back, for the notice that confirms it. */
  deleted: string | null;
};

/** The Subscriptions list: by name, optionally of one status, 50 a page (`?page=2`). */
export async function loadSubscriptions(
  deps: ViewDeps,
  params: Params,
  { pageSize = SUBSCRIPTION_PAGE_SIZE }: { pageSize?: number } = {},
): Promise<SubscriptionsView> {
  const ignored: IgnoredFilter[] = [];
  const status = parseChoice(params, "status", subscriptionStatuses, ignored);
  const pageText = first(params.page);
  let page = 1;
  if (pageText !== undefined) {
    if (/^\d{1,6}$/.test(pageText) && Number(pageText) >= 1) page = Number(pageText);
    else ignored.push({ name: "page", message: `'${pageText}' is not a page number; showing the first page.` });
  }
  const { rows, total } = await listSubscriptionsPage(deps.db, {
    status,
    offset: (page - 1) * pageSize,
    limit: pageSize,
  });
  const now = deps.clock();
  const since = new Date(now.getTime() - THROUGHPUT_WINDOW_MINUTES * 60_000);
  const [states, recent] = await Promise.all([
    Promise.all(rows.map((r) => describeSubscription(deps, { id: r.id }))),
    countDeliveredSince(deps.db, { subscriptionIds: rows.map((r) => r.id), since }),
  ]);
  return {
    rows: states
      .filter((s): s is SubscriptionState => s !== null)
      .map((s) => ({ ...rowOf(s, now), perMinute: (recent.get(s.subscription.id) ?? 0) / THROUGHPUT_WINDOW_MINUTES })),
    status,
    statuses: subscriptionStatuses,
    ignored,
    page,
    pages: Math.max(1, Math.ceil(total / pageSize)),
    total,
    deleted: flashParam(params, "deleted"),
  };
}

/** The list's URL for a status and a page, so links and the filter agree on one spelling. */
export function subscriptionsHref({ status, page }: { status?: SubscriptionStatus; page?: number }): string {
  const query = new URLSearchParams({
    ...(status ? { status } : {}),
    ...(page && page > 1 ? { page: String(page) } : {}),
  }).toString();
  return `/subscriptions${query ? `?${query}` : ""}`;
}

export type SubscriptionDetail = {
  subscription: SubscriptionRow;
  /** Events handed on per minute over the last THROUGHPUT_WINDOW_MINUTES. */
  perMinute: number;
  updatedBy: string | null;
  parked: ParkedEventRow[];
  attempts: AttemptLogRow[];
  newer: number | null;
  older: number | null;
  ignored: IgnoredFilter[];
};

/** One subscription, its parked events and a page of its attempts (newest first, `before`/`after`). */
export async function loadSubscriptionDetail(
  deps: ViewDeps,
  id: string,
  params: Params,
  { pageSize = ATTEMPT_PAGE_SIZE }: { pageSize?: number } = {},
): Promise<SubscriptionDetail | null> {
  const state = await describeSubscription(deps, { id });
  if (!state) return null;
  const ignored: IgnoredFilter[] = [];
  const cursor = parsePageCursor(params, ignored);
  const now = deps.clock();
  const since = new Date(now.getTime() - THROUGHPUT_WINDOW_MINUTES * 60_000);
  const [parked, page, updatedBy, recent] = await Promise.all([
    listParkedEvents(deps.db, { subscriptionId: id, limit: PARKED_SHOWN }),
    listSubscriptionAttemptsPage(deps.db, { subscriptionId: id, cursor, limit: pageSize }),
    state.subscription.updatedBy ? findUserById(deps.db, { id: state.subscription.updatedBy }) : null,
    countDeliveredSince(deps.db, { subscriptionIds: [id], since }),
  ]);
  return {
    subscription: rowOf(state, now),
    perMinute: (recent.get(id) ?? 0) / THROUGHPUT_WINDOW_MINUTES,
    updatedBy: updatedBy?.email ?? null,
    parked,
    attempts: page.rows,
    newer: page.newer,
    older: page.older,
    ignored,
  };
}

export type NewSubscriptionView = {
  /** The code subscribers registered in extensions/index.ts, by name. */
  subscribers: string[];
  /** Without SPARK_SECRET_KEY a webhook's secret cannot be sealed, so none can be created. */
  canSealSecrets: boolean;
  allowPrivate: boolean;
};

export function loadNewSubscription(deps: Pick<Deps, "subscribers" | "connections" | "settings">): NewSubscriptionView {
  return {
    subscribers: deps.subscribers.map((s) => s.name),
    canSealSecrets: deps.connections.secrets !== null,
    allowPrivate: deps.settings.webhookAllowPrivate,
  };
}

/**
 * A subscription as its edit form opens (admins): header names but never their values, whether a broker
 * password is stored but never the password. Null when there is no such subscription.
 */
export async function loadSubscriptionEdit(
  deps: Pick<Deps, "db" | "subscribers" | "connections" | "settings">,
  id: string,
): Promise<(NewSubscriptionView & { editing: SubscriptionEditView }) | null> {
  if (!z.uuid().safeParse(id).success) return null;
  const s = await findSubscriptionById(deps.db, { id });
  if (!s) return null;
  const box = deps.connections.secrets;
  let headerNames: string[] | null = [];
  if (s.headersSealed) {
    try {
      headerNames = box ? Object.keys(JSON.parse(box.open(s.headersSealed)) as Record<string, string>) : null;
    } catch {
      headerNames = null;
    }
  }
  const text = (value: unknown) => (typeof value === "string" ? value : "");
  const editing: SubscriptionEditView = {
    id: s.id,
    version: s.version,
    kind: s.kind,
    name: s.name,
    groups: s.groupPattern,
    url: s.kind === "code" ? "" : s.target,
    subscriber: s.kind === "code" ? s.target : "",
    exchange: text(s.config.exchange),
    routingKey: text(s.config.routingKey),
    subject: text(s.config.subject),
    strictOrder: s.strictOrder,
    attemptLimit: s.attemptLimit,
    headerNames,
    hasPassword: s.kind !== "webhook" && s.secretSealed !== null,
    base: JSON.stringify({
      name: s.name,
      groupPattern: s.groupPattern,
      target: s.target,
      config: s.config,
      strictOrder: s.strictOrder,
      attemptLimit: s.attemptLimit,
    }),
  };
  return { ...loadNewSubscription(deps), editing };
}
