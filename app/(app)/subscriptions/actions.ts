"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { getEngine } from "@/app/_server/engine";
import { requireAdmin, requireSession } from "@/app/_server/session";
import { parseTimeFilter } from "@/app/_views/list-params";
import type { FormState } from "@/components/forms/form-state";
import { encodeCreatedWebhook } from "@/components/subscriptions/created-secret";
import { deleteSubscription, rotateSubscriptionSecretOnce } from "@/spark/subscriptions/manage";
import { readLoadedVersion, staleState } from "@/app/_server/forms";
import { urlWithPassword, withoutPassword } from "@/app/_server/broker-urls";
import {
  createSubscription,
  describeSubscription,
  updateSubscription,
  type SubscriptionBase,
  replayParked,
  resetSubscription,
  sendAttemptAgain,
  setSubscriptionActive,
} from "@/spark/subscriptions/subscriptions";

const PATH = "/subscriptions";
const UNKNOWN = "Unknown subscription; reload the page.";
const idInput = z.object({ id: z.uuid() });
const MAX_HEADER_ROWS = 50;

const revalidate = (id?: string) => {
  revalidatePath(PATH);
  if (id) revalidatePath(`${PATH}/${id}`);
};

const text = (formData: FormData, name: string, max = 4_000) => {
  const value = formData.get(name);
  return typeof value === "string" ? value.slice(0, max) : "";
};

// Bounds on what a post may carry before the engine's rules judge it, so a scripted post cannot make
// the server hold megabytes; the engine's own schema gives the messages an operator reads.
const destinationForm = z.object({
  name: z.string(),
  kind: z.enum(["webhook", "code", "rabbitmq", "nats"], { error: "Choose a kind of destination." }),
  url: z.string(),
  password: z.string(),
  exchange: z.string(),
  routingKey: z.string(),
  subject: z.string(),
  subscriber: z.string(),
  groups: z.string().trim(),
  strictOrder: z.boolean(),
  attemptLimit: z.coerce
    .number({ error: "The attempt limit is a whole number from 1 to 100." })
    .int("The attempt limit is a whole number from 1 to 100.")
    .min(1, "The attempt limit is a whole number from 1 to 100.")
    .max(100, "The attempt limit is a whole number from 1 to 100."),
});
const startForm = z.object({
  from: z.enum(["now", "beginning", "time"], { error: "Choose now, the beginning or a time." }),
  fromTime: z.string(),
});

/** Header rows arrive as `headers.<i>.name` / `headers.<i>.value`; blank rows are left out. */
function readHeaderRows(formData: FormData): { name: string; value: string }[] | null {
  const rows = new Map<number, { name: string; value: string }>();
  for (const [field, value] of formData) {
    const match = /^headers\.(\d{1,3})\.(name|value)$/.exec(field);
    if (!match || typeof value !== "string") continue;
    const index = Number(match[1]);
    const row = rows.get(index) ?? { name: "", value: "" };
    row[match[2] as "name" | "value"] = value.slice(0, 5_000);
    rows.set(index, row);
  }
  if (rows.size > MAX_HEADER_ROWS) return null;
  return [...rows.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, row]) => ({ name: row.name.trim(), value: row.value }))
    .filter((row) => row.name !== "" || row.value !== "");
}

/** What the form posted, to refill it: never a password or a header value, since they often carry tokens. */
function echo(formData: FormData): Record<string, string> {
  const values: Record<string, string> = {};
  const kind = String(formData.get("kind") ?? "");
  for (const [name, value] of formData) {
    if (typeof value !== "string" || name.startsWith("$ACTION") || name === "password") continue;
    if (/^headers\.\d+\.value$/.test(name)) continue;
    values[name] =
      name === "url" && (kind === "rabbitmq" || kind === "nats")
        ? withoutPassword(value.slice(0, 4_000), kind)
        : value.slice(0, 4_000);
  }
  return values;
}

const invalid = (formData: FormData, fieldErrors: Record<string, string[]>): FormState => ({
  status: "invalid",
  fieldErrors,
  values: echo(formData),
});

type DestinationFields = {
  name: string;
  kind: "webhook" | "code" | "rabbitmq" | "nats";
  groups: string;
  target: string;
  config?: Record<string, unknown>;
  strictOrder: boolean;
  attemptLimit: number;
  /** A null value keeps the stored one (edits only); absent when the form showed no headers. */
  headers?: Record<string, string | null>;
};

/**
 * Reads where a subscription sends from the form, the same for a create and an edit; an edit's blank
 * header value means "keep it". A refusal is the form state to answer with.
 */
function readDestination(
  formData: FormData,
  { editing }: { editing: boolean },
): { ok: true; fields: DestinationFields } | { ok: false; state: FormState } {
  const bounded = destinationForm.safeParse({
    name: text(formData, "name", 1_000),
    kind: text(formData, "kind", 20),
    url: text(formData, "url"),
    password: text(formData, "password", 1_000),
    exchange: text(formData, "exchange", 1_000),
    routingKey: text(formData, "routingKey", 1_000),
    subject: text(formData, "subject", 1_000),
    subscriber: text(formData, "subscriber", 1_000),
    groups: text(formData, "groups", 1_000),
    strictOrder: formData.get("strictOrder") === "on",
    attemptLimit: text(formData, "attemptLimit", 20) || "8",
  });
  if (!bounded.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of bounded.error.issues) (fieldErrors[String(issue.path[0] ?? "form")] ??= []).push(issue.message);
    return { ok: false, state: invalid(formData, fieldErrors) };
  }
  const form = bounded.data;
  const common = {
    name: form.name,
    kind: form.kind,
    groups: form.groups,
    strictOrder: form.strictOrder,
    attemptLimit: form.attemptLimit,
  };
  if (form.kind === "rabbitmq" || form.kind === "nats") {
    const url = urlWithPassword(form.url.trim(), form.password);
    if (!url.ok) return { ok: false, state: invalid(formData, { url: [url.message] }) };
    const config =
      form.kind === "rabbitmq"
        ? { exchange: form.exchange, ...(form.routingKey.trim() ? { routingKey: form.routingKey } : {}) }
        : { subject: form.subject };
    return { ok: true, fields: { ...common, target: url.url, config } };
  }
  if (form.kind === "code") return { ok: true, fields: { ...common, target: form.subscriber } };
  const fields: DestinationFields = { ...common, target: form.url.trim() };
  if (!editing || formData.get("headersShown") === "1") {
    const rows = readHeaderRows(formData);
    if (rows === null)
      return { ok: false, state: invalid(formData, { headers: [`At most ${MAX_HEADER_ROWS} header rows.`] }) };
    if (rows.some((r) => r.name === ""))
      return {
        ok: false,
        state: invalid(formData, { headers: ["Each extra header needs a name; clear the row to drop it."] }),
      };
    const headers = Object.fromEntries(rows.map((r) => [r.name, editing && r.value === "" ? null : r.value]));
    if (Object.keys(headers).length !== rows.length)
      return { ok: false, state: invalid(formData, { headers: ["A header name is given twice."] }) };
    if (editing || rows.length > 0) fields.headers = headers;
  }
  return { ok: true, fields };
}

/** The engine's field names are the API's: `target` is the form's URL or subscriber, `from` its time. */
function formErrorsOf(
  fieldErrors: Record<string, string[]>,
  fields: Pick<DestinationFields, "kind" | "config">,
): Record<string, string[]> {
  const mapped: Record<string, string[]> = {};
  for (const [field, messages] of Object.entries(fieldErrors)) {
    let name =
      field === "target" ? (fields.kind === "code" ? "subscriber" : "url") : field === "from" ? "fromTime" : field;
    // The broker check answers about the URL, but "no exchange "orders"" belongs under the exchange.
    const exchange = typeof fields.config?.exchange === "string" ? fields.config.exchange.trim() : "";
    if (name === "url" && exchange && messages.some((m) => m.includes(`"${exchange}"`))) name = "exchange";
    // The engine's wording names the API's field; the form's label is "Event groups".
    if (name === "groups")
      (mapped.groups ??= []).push(
        "Give an event group, or a pattern with * wildcards: letters, digits, _ . : - and *, no spaces.",
      );
    else (mapped[name] ??= []).push(...messages);
  }
  return mapped;
}

/**
 * Creates a subscription (admins only: it sends events out of Spark). A webhook's signing secret comes
 * back in the ok message, the one answer that will ever hold it; the other kinds open their page.
 */
export async function createSubscriptionAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const { operator } = await requireAdmin();
  const read = readDestination(formData, { editing: false });
  if (!read.ok) return read.state;
  const start = startForm.safeParse({ from: text(formData, "from", 20), fromTime: text(formData, "fromTime", 100) });
  if (!start.success) return invalid(formData, { from: [start.error.issues[0]!.message] });
  let from: string = start.data.from;
  if (start.data.from === "time") {
    const at = parseTimeFilter(start.data.fromTime.trim());
    if (!at) return invalid(formData, { fromTime: ["Give a time like 2026-11-02T14:30 (UTC)."] });
    from = at.toISOString();
  }
  const { fields } = read;
  const { deps } = await getEngine();
  const result = await createSubscription(deps, {
    input: { ...fields, from, headers: fields.headers as Record<string, string> | undefined },
    by: operator.id,
  });
  if (result.status === "invalid") return invalid(formData, formErrorsOf(result.fieldErrors, fields));
  deps.log.info("subscription created", { subscriptionId: result.subscription.id, kind: fields.kind, by: operator.id });
  revalidate();
  const { subscription, secret } = result;
  if (secret === null) redirect(`${PATH}/${subscription.id}?created=1`);
  return {
    status: "ok",
    message: encodeCreatedWebhook({ id: subscription.id, name: subscription.name, secret }),
  };
}

/** The subscription as its edit form loaded it (hidden `base`), to name what another save changed. */
function readBase(formData: FormData): SubscriptionBase | undefined {
  const raw = formData.get("base");
  if (typeof raw !== "string" || raw.length > 20_000) return undefined;
  try {
    const parsed = subscriptionBaseSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
const subscriptionBaseSchema = z.object({
  name: z.string(),
  groupPattern: z.string(),
  target: z.string(),
  config: z.record(z.string(), z.unknown()),
  strictOrder: z.boolean(),
  attemptLimit: z.number(),
});

/**
 * Saves an edit (admins only): the destination, pattern and retry settings change, the checkpoint,
 * backlog and signing secret stay. A save from a form opened before someone else's is refused.
 */
export async function updateSubscriptionAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const { operator } = await requireAdmin();
  const id = idInput.safeParse({ id: formData.get("id") });
  if (!id.success) return { status: "error", message: UNKNOWN };
  const loaded = readLoadedVersion(formData);
  if (!loaded.ok) return loaded.state;
  const read = readDestination(formData, { editing: true });
  if (!read.ok) return read.state;
  const { fields } = read;
  const { deps } = await getEngine();
  const { kind: _kind, ...input } = fields;
  const result = await updateSubscription(deps, {
    id: id.data.id,
    version: loaded.version,
    base: readBase(formData),
    input,
    by: operator.id,
  });
  if (result.status === "gone") return { status: "error", message: UNKNOWN, values: echo(formData) };
  if (result.status === "stale") return staleState(formData, result, echo(formData));
  if (result.status === "invalid") return invalid(formData, formErrorsOf(result.fieldErrors, fields));
  deps.log.info("subscription changed", { subscriptionId: id.data.id, by: operator.id });
  revalidate(id.data.id);
  redirect(`${PATH}/${id.data.id}?saved=1`);
}

/** Pause or resume; both are safe to repeat, so operators may do them as they may pause a generator. */
export async function setSubscriptionActiveAction(
  active: boolean,
  _prev: FormState,
  formData: FormData,
): Promise<FormState> {
  const { operator } = await requireSession();
  const parsed = idInput.safeParse({ id: formData.get("id") });
  if (!parsed.success) return { status: "error", message: UNKNOWN };
  const { deps } = await getEngine();
  const before = await describeSubscription(deps, { id: parsed.data.id });
  if (!before) return { status: "error", message: UNKNOWN };
  const wanted = active ? "active" : "paused";
  if (before.subscription.status === wanted) {
    revalidate(parsed.data.id);
    return { status: "ok", message: active ? "It was already running." : "It was already paused." };
  }
  const row = await setSubscriptionActive(deps, { id: parsed.data.id, active, by: operator.id });
  revalidate(parsed.data.id);
  if (!row) return { status: "error", message: UNKNOWN };
  return {
    status: "ok",
    message: active
      ? "Resumed: it goes on from its checkpoint, and parked events stay parked until replayed."
      : "Paused: nothing more is sent until it is resumed; events wait, none is skipped.",
  };
}

const replayOneInput = idInput.extend({ eventId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

/** Puts one parked event back in line; a second press finds it no longer parked and says so. */
export async function replayParkedEventAction(_prev: FormState, formData: FormData): Promise<FormState> {
  await requireSession();
  const parsed = replayOneInput.safeParse({ id: formData.get("id"), eventId: formData.get("eventId") });
  if (!parsed.success) return { status: "error", message: "Unknown parked event; reload the page." };
  const { deps } = await getEngine();
  const replayed = await replayParked(deps, { id: parsed.data.id, eventIds: [parsed.data.eventId] });
  revalidate(parsed.data.id);
  return replayed === 1
    ? { status: "ok", message: "Queued again: the next attempt is now." }
    : { status: "ok", message: "It is no longer parked: already replayed, or the subscription is gone." };
}

const sendAgainInput = idInput.extend({
  attemptId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});

/** "Send again" on a delivered attempt: the event goes back in line once; a second press finds it waiting. */
export async function sendEventAgainAction(_prev: FormState, formData: FormData): Promise<FormState> {
  await requireSession();
  const parsed = sendAgainInput.safeParse({ id: formData.get("id"), attemptId: formData.get("attemptId") });
  if (!parsed.success) return { status: "error", message: "Unknown attempt; reload the page." };
  const { deps } = await getEngine();
  // By a delivered attempt, not an event id: an operator re-sends what this destination received, never
  // events from before it started or that a rewind skipped (that takes an admin's rewind).
  const result = await sendAttemptAgain(deps, { id: parsed.data.id, attemptId: parsed.data.attemptId });
  revalidate(parsed.data.id);
  switch (result.status) {
    case "queued":
      return { status: "ok", message: "Queued: it is sent again within seconds, with the same webhook-id." };
    case "already-queued":
      return { status: "ok", message: "It is already waiting for an attempt." };
    case "not-yet":
      return { status: "ok", message: "It has not been handed on yet: it goes out in order." };
    case "strict":
      return {
        status: "error",
        message: "A strict-order subscription sends each event once, in order: rewind it to send earlier events again.",
      };
    default:
      return { status: "error", message: "Unknown delivered attempt; reload the page." };
  }
}

const replayAllInput = idInput.extend({ count: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });

/**
 * Puts every parked event back in line, once the operator confirmed the count they were shown; if more
 * or fewer are parked now, they are asked again instead.
 */
export async function replayAllParkedAction(_prev: FormState, formData: FormData): Promise<FormState> {
  await requireSession();
  const parsed = replayAllInput.safeParse({ id: formData.get("id"), count: formData.get("count") });
  if (!parsed.success) return { status: "error", message: UNKNOWN };
  const { deps } = await getEngine();
  const state = await describeSubscription(deps, { id: parsed.data.id });
  if (!state) return { status: "error", message: UNKNOWN };
  const parked = state.backlog.parked;
  if (parked === 0) {
    revalidate(parsed.data.id);
    return { status: "ok", message: "Nothing is parked now: they were replayed already." };
  }
  if (parked !== parsed.data.count) {
    revalidate(parsed.data.id);
    return {
      status: "error",
      message: `${parked.toLocaleString("en")} events are parked now, not ${parsed.data.count.toLocaleString("en")}; nothing was replayed. Reload the page and confirm the new count.`,
    };
  }
  const replayed = await replayParked(deps, { id: parsed.data.id, eventIds: null });
  revalidate(parsed.data.id);
  return { status: "ok", message: `Queued ${replayed.toLocaleString("en")} parked events again.` };
}

const rewindInput = idInput.extend({
  to: z.enum(["now", "beginning", "time"]),
  at: z.string().max(100).default(""),
  version: z.coerce.number().int().positive(),
  confirmedCount: z.union([z.literal(""), z.coerce.number().int().min(0)]).default(""),
});

/**
 * Moves the checkpoint (admins only: it can re-send many events to another system). The first post
 * answers how many events it re-sends, as the `confirmedCount` field's message and the `resend` value;
 * only a second post with exactly that count, from the version it was counted at, applies it.
 */
export async function rewindSubscriptionAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const { operator } = await requireAdmin();
  const parsed = rewindInput.safeParse({
    id: formData.get("id"),
    to: formData.get("to"),
    at: formData.get("at") ?? undefined,
    version: formData.get("version"),
    confirmedCount: formData.get("confirmedCount") ?? undefined,
  });
  if (!parsed.success) return { status: "error", message: "Choose now, the beginning or a time; then try again." };
  const { id, to, at, version, confirmedCount } = parsed.data;
  const values = { to, at, version: String(version) };
  let target: "now" | "beginning" | Date = to === "time" ? new Date(NaN) : to;
  if (to === "time") {
    const time = parseTimeFilter(at.trim());
    if (!time) return { status: "invalid", fieldErrors: { at: ["Give a time like 2026-11-02T14:30 (UTC)."] }, values };
    target = time;
  }
  const { deps } = await getEngine();
  const state = await describeSubscription(deps, { id });
  if (!state) return { status: "error", message: UNKNOWN };
  const moved = state.subscription.version !== version;
  const result = await resetSubscription(deps, {
    id,
    to: target,
    confirmedCount: moved || confirmedCount === "" ? undefined : confirmedCount,
    by: operator.id,
  });
  if (result.status === "gone") return { status: "error", message: UNKNOWN };
  if (result.status === "ok") {
    revalidate(id);
    return {
      status: "ok",
      message:
        result.resend === 0
          ? "Rewound: nothing is re-sent."
          : `Rewound: ${result.resend.toLocaleString("en")} events will be sent again, in commit order.`,
    };
  }
  const count = `${result.resend.toLocaleString("en")}${result.capped ? " or more" : ""}`;
  const skipped =
    to === "now" && state.lag.events > 0
      ? ` The ${state.lag.events.toLocaleString("en")}${state.lag.capped ? "+" : ""} events it has not handed on yet are skipped.`
      : "";
  const again = confirmedCount !== "" ? "The count changed since you were asked, or it was rewound meanwhile. " : "";
  return {
    status: "invalid",
    fieldErrors: { confirmedCount: [`${again}This re-sends ${count} events.${skipped}`] },
    values: { ...values, version: String(state.subscription.version), resend: String(result.resend) },
  };
}

const rotateInput = idInput.extend({ seen: z.union([z.literal("none"), z.iso.datetime()]) });

/** A new signing secret, shown once in the ok message (admins only); the old one signs for 24 more hours. */
export async function rotateSecretAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const { operator } = await requireAdmin();
  const parsed = rotateInput.safeParse({ id: formData.get("id"), seen: formData.get("seen") });
  if (!parsed.success) return { status: "error", message: UNKNOWN };
  const { deps } = await getEngine();
  const result = await rotateSubscriptionSecretOnce(deps, {
    id: parsed.data.id,
    seenPreviousUntil: parsed.data.seen === "none" ? null : new Date(parsed.data.seen),
    by: operator.id,
  });
  revalidate(parsed.data.id);
  switch (result.status) {
    case "ok":
      return { status: "ok", message: result.secret };
    case "unsealed":
      return {
        status: "error",
        message: "Set SPARK_SECRET_KEY on the server first: secrets are kept sealed under it.",
      };
    case "rotated-meanwhile":
      return {
        status: "error",
        message:
          "The secret was rotated since this page was loaded (a second press, or another admin); nothing changed. Reload the page.",
      };
    default:
      return { status: "error", message: UNKNOWN };
  }
}

/** Deletes a subscription with its backlog and attempt log (admins only); deleting it twice is the same as once. */
export async function deleteSubscriptionAction(_prev: FormState, formData: FormData): Promise<FormState> {
  await requireAdmin();
  const parsed = idInput.safeParse({ id: formData.get("id") });
  if (!parsed.success) return { status: "error", message: UNKNOWN };
  const { deps } = await getEngine();
  const deleted = await deleteSubscription(deps, { id: parsed.data.id });
  revalidate(parsed.data.id);
  redirect(deleted ? `${PATH}?deleted=${encodeURIComponent(deleted.name)}` : PATH);
}
