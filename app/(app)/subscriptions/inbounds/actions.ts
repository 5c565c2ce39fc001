"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { getEngine } from "@/app/_server/engine";
import { requireAdmin } from "@/app/_server/session";
import type { FormState } from "@/components/forms/form-state";
import { createInbound, deleteInbound, findInbound, setInboundActive } from "@/spark/inbound/inbounds";
import { urlWithPassword, withoutPassword } from "@/app/_server/broker-urls";

const PATH = "/subscriptions/inbounds";
const UNKNOWN = "Unknown inbound; reload the page.";

const revalidate = (id?: string) => {
  revalidatePath(PATH);
  if (id) revalidatePath(`${PATH}/${id}`);
};

const text = (formData: FormData, name: string, max = 2_000) => {
  const value = formData.get(name);
  return typeof value === "string" ? value.slice(0, max) : "";
};

// Bounds on what a post may carry before the engine's rules judge it; the engine's schemas give the
// messages an operator reads.
const createForm = z.object({
  name: z.string(),
  kind: z.enum(["rabbitmq", "nats"], { error: "Choose RabbitMQ or NATS JetStream." }),
  url: z.string().trim(),
  password: z.string(),
  queue: z.string(),
  prefetch: z.string().trim(),
  stream: z.string(),
  consumer: z.string(),
  batch: z.string().trim(),
  active: z.boolean(),
});

function echo(formData: FormData): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of formData) {
    if (typeof value !== "string" || name.startsWith("$ACTION") || name === "password") continue;
    values[name] =
      name === "url"
        ? withoutPassword(value.slice(0, 2_000), String(formData.get("kind") ?? ""))
        : value.slice(0, 1_000);
  }
  return values;
}

const invalid = (formData: FormData, fieldErrors: Record<string, string[]>): FormState => ({
  status: "invalid",
  fieldErrors,
  values: echo(formData),
});

/**
 * Creates an inbound after the engine checked that the broker answers and the queue (or stream and
 * consumer) exists. Admins only: an inbound writes events. The password is sealed, never shown again.
 */
export async function createInboundAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const { operator } = await requireAdmin();
  const bounded = createForm.safeParse({
    name: text(formData, "name", 1_000),
    kind: text(formData, "kind", 20),
    url: text(formData, "url"),
    password: text(formData, "password", 1_000),
    queue: text(formData, "queue", 1_000),
    prefetch: text(formData, "prefetch", 20),
    stream: text(formData, "stream", 1_000),
    consumer: text(formData, "consumer", 1_000),
    batch: text(formData, "batch", 20),
    active: formData.get("active") === "on",
  });
  if (!bounded.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of bounded.error.issues) (fieldErrors[String(issue.path[0] ?? "form")] ??= []).push(issue.message);
    return invalid(formData, fieldErrors);
  }
  const form = bounded.data;
  const url = urlWithPassword(form.url, form.password);
  if (!url.ok) return invalid(formData, { url: [url.message] });
  const config =
    form.kind === "rabbitmq"
      ? { queue: form.queue, ...(form.prefetch ? { prefetch: form.prefetch } : {}) }
      : { stream: form.stream, consumer: form.consumer, ...(form.batch ? { batch: form.batch } : {}) };
  const { deps } = await getEngine();
  const result = await createInbound(deps, {
    input: { name: form.name, kind: form.kind, url: url.url, config, active: form.active },
    by: operator.id,
  });
  if (result.status === "invalid") {
    const field = ["name", "kind", "url", "queue", "prefetch", "stream", "consumer", "batch"].includes(result.field)
      ? fieldOfBrokerProblem(result.field, result.message, form)
      : "form";
    if (field === "form") return { status: "error", message: result.message, values: echo(formData) };
    return invalid(formData, { [field]: [result.message] });
  }
  deps.log.info("inbound created", {
    inboundId: result.inbound.id,
    inbound: result.inbound.name,
    kind: result.inbound.kind,
    target: result.inbound.target,
    by: operator.id,
  });
  revalidate();
  redirect(`${PATH}/${result.inbound.id}?created=1`);
}

/**
 * The broker check answers about the URL, but its words name what is missing ("There is no queue
 * \"orders\"…", "Stream \"AUDIT\" has no durable consumer \"spark\"…"): the message goes under that field.
 */
function fieldOfBrokerProblem(
  field: string,
  message: string,
  form: { kind: string; queue: string; stream: string; consumer: string },
): string {
  if (field !== "url") return field;
  const names = (value: string) => value.trim() !== "" && message.includes(`"${value.trim()}"`);
  if (form.kind === "rabbitmq" && names(form.queue)) return "queue";
  if (form.kind === "nats" && /consumer/i.test(message) && names(form.consumer)) return "consumer";
  if (form.kind === "nats" && names(form.stream)) return "stream";
  return field;
}

const idInput = z.object({ id: z.uuid() });

/** Pause or resume: the server's consumer stops or starts within seconds; both are safe to repeat. */
export async function setInboundActiveAction(
  active: boolean,
  _prev: FormState,
  formData: FormData,
): Promise<FormState> {
  const { operator } = await requireAdmin();
  const parsed = idInput.safeParse({ id: formData.get("id") });
  if (!parsed.success) return { status: "error", message: UNKNOWN };
  const { deps } = await getEngine();
  const before = await findInbound(deps, { id: parsed.data.id });
  if (!before) return { status: "error", message: UNKNOWN };
  revalidate(parsed.data.id);
  if (before.active === active)
    return { status: "ok", message: active ? "It was already running." : "It was already paused." };
  const row = await setInboundActive(deps, { id: parsed.data.id, active, by: operator.id });
  if (!row) return { status: "error", message: UNKNOWN };
  deps.log.info(active ? "inbound resumed" : "inbound paused", { inboundId: row.id, by: operator.id });
  return {
    status: "ok",
    message: active
      ? "Resumed: the server starts reading within a few seconds."
      : "Paused: the server stops reading within a few seconds; messages wait in the broker.",
  };
}

/** Deletes an inbound and its kept refusals; the events it recorded stay in the log. */
export async function deleteInboundAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const { operator } = await requireAdmin();
  const parsed = idInput.safeParse({ id: formData.get("id") });
  if (!parsed.success) return { status: "error", message: UNKNOWN };
  const { deps } = await getEngine();
  const deleted = await deleteInbound(deps, { id: parsed.data.id });
  revalidate(parsed.data.id);
  if (deleted) deps.log.info("inbound deleted", { inboundId: deleted.id, inbound: deleted.name, by: operator.id });
  redirect(deleted ? `${PATH}?deleted=${encodeURIComponent(deleted.name)}` : PATH);
}
