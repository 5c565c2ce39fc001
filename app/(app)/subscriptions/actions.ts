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
import {
  createSubscription,
  describeSubscription,
  replayParked,
  resetSubscription,
  setSubscriptionActive,
} from "@/spark/subscriptions/subscriptions";

const PATH = "/subscriptions";
const UNKNOWN = "Unknown subscription; reload the page.";
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
const createForm = z.object({
  name: z.string(),
  kind: z.enum(["webhook", "code"], { error: "Choose webhook or code." }),
  url: z.string(),
  subscriber: z.string(),
  groups: z.string().trim(),
  from: z.enum(["now", "beginning", "time"], { error: "Choose now, the beginning or a time." }),
  fromTime: z.string(),
  strictOrder: z.boolean(),
  attemptLimit: z.coerce
    .number({ error: "The attempt limit is a whole number from 1 to 100." })
    .int("The attempt limit is a whole number from 1 to 100.")
    .min(1, "The attempt limit is a whole number from 1 to 100.")
    .max(100, "The attempt limit is a whole number from 1 to 100."),
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

/** What the form posted, to refill it; header values stay out since they often carry tokens. */
function echo(formData: FormData): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of formData) {
    if (typeof value !== "string" || name.startsWith("$ACTION") || /^headers\.\d+\.value$/.test(name)) continue;
    values[name] = value.slice(0, 4_000);
  }
  return values;
}

const invalid = (formData: FormData, fieldErrors: Record<string, string[]>): FormState => ({
  status: "invalid",
  fieldErrors,
  values: echo(formData),
});

/**
 * Creates a subscription (admins only: it sends events out of Spark). A webhook's signing secret comes
 * back in the ok message, the one answer that will ever hold it; a code subscription opens its page.
 */
export async function createSubscriptionAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const { operator } = await requireAdmin();
  const bounded = createForm.safeParse({
    name: text(formData, "name", 1_000),
    kind: text(formData, "kind", 20),
    url: text(formData, "url"),
    subscriber: text(formData, "subscriber", 1_000),
    groups: text(formData, "groups", 1_000),
    from: text(formData, "from", 20),
    fromTime: text(formData, "fromTime", 100),
    strictOrder: formData.get("strictOrder") === "on",
    attemptLimit: text(formData, "attemptLimit", 20) || "8",
  });
  if (!bounded.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of bounded.error.issues) (fieldErrors[String(issue.path[0] ?? "form")] ??= []).push(issue.message);
    return invalid(formData, fieldErrors);
  }
  const form = bounded.data;
  const rows = readHeaderRows(formData);
  if (rows === null) return invalid(formData, { headers: [`At most ${MAX_HEADER_ROWS} header rows.`] });
  const fieldErrors: Record<string, string[]> = {};
  let from: string = form.from;
  if (form.from === "time") {
    const at = parseTimeFilter(form.fromTime.trim());
    if (!at) fieldErrors.fromTime = ["Give a time like 2026-11-02T14:30 (UTC)."];
    else from = at.toISOString();
  }
  if (form.kind === "webhook" && rows.some((r) => r.name === ""))
    fieldErrors.headers = ["Each extra header needs a name; clear the row to drop it."];
  if (Object.keys(fieldErrors).length > 0) return invalid(formData, fieldErrors);

  const { deps } = await getEngine();
  const headers =
    form.kind === "webhook" && rows.length > 0 ? Object.fromEntries(rows.map((r) => [r.name, r.value])) : undefined;
  if (headers && Object.keys(headers).length !== rows.length)
    return invalid(formData, { headers: ["A header name is given twice."] });
  const result = await createSubscription(deps, {
    input: {
      name: form.name,
      kind: form.kind,
      groups: form.groups,
      target: form.kind === "webhook" ? form.url.trim() : form.subscriber,
      from,
      strictOrder: form.strictOrder,
      attemptLimit: form.attemptLimit,
      headers,
    },
    by: operator.id,
  });
  if (result.status === "invalid") {
    const mapped: Record<string, string[]> = {};
    for (const [field, messages] of Object.entries(result.fieldErrors)) {
      const name =
        field === "target" ? (form.kind === "webhook" ? "url" : "subscriber") : field === "from" ? "fromTime" : field;
      // The engine's wording names the API's field; the form's label is "Event groups".
      if (name === "groups")
        (mapped.groups ??= []).push(
          "Give an event group, or a pattern with * wildcards: letters, digits, _ . : - and *, no spaces.",
        );
      else (mapped[name] ??= []).push(...messages);
    }
    return invalid(formData, mapped);
  }
  revalidate();
  const { subscription, secret } = result;
  if (secret === null) redirect(`${PATH}/${subscription.id}?created=1`);
  return {
    status: "ok",
    message: encodeCreatedWebhook({ id: subscription.id, name: subscription.name, secret }),
  };
}

const idInput = z.object({ id: z.uuid() });

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
