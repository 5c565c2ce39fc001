"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import type { FormState } from "@/components/forms/form-state";
import { parseDeliveryFilters } from "@/app/_views/delivery-log";
import { retryDeadDeliveries, retryDelivery, resendDelivery, type RetryResult } from "@/spark/mail/deliveries";

const idInput = z.object({ id: z.coerce.number().int().positive() });
// The newest resend the page showed (0 for none): the form's action token, so a replay sends nothing.
const resendInput = idInput.extend({ seen: z.coerce.number().int().nonnegative() });

/** A repeat of a request already carried out is not an error: the operator's intent is done. */
const stateOf = (result: RetryResult): FormState =>
  result.status === "refused" || result.status === "dead"
    ? { status: "error", message: result.message }
    : { status: "ok", message: result.message };

export async function retryDeliveryAction(_prev: FormState, formData: FormData): Promise<FormState> {
  await requireSession();
  const parsed = idInput.safeParse({ id: formData.get("id") });
  if (!parsed.success) return { status: "error", message: "Unknown delivery; reload the page." };
  const result = await retryDelivery((await getEngine()).deps, parsed.data);
  revalidatePath("/deliveries");
  revalidatePath(`/deliveries/${parsed.data.id}`);
  return stateOf(result);
}

export async function resendDeliveryAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const { operator } = await requireSession();
  const parsed = resendInput.safeParse({ id: formData.get("id"), seen: formData.get("seen") });
  if (!parsed.success) return { status: "error", message: "Unknown delivery; reload the page." };
  const { id, seen } = parsed.data;
  const result = await resendDelivery((await getEngine()).deps, { id, by: operator.id, seen: seen || null });
  revalidatePath("/deliveries");
  revalidatePath(`/deliveries/${id}`);
  return stateOf(result);
}

/** Queues again every dead delivery that matches the page's filters; the next pass sends them. */
export async function retryDeadAction(_prev: FormState, formData: FormData): Promise<FormState> {
  await requireSession();
  const query = formData.get("query")?.toString() ?? "";
  const { filters, ignored } = parseDeliveryFilters(Object.fromEntries(new URLSearchParams(query)));
  if (ignored.length > 0)
    return { status: "error", message: "The filters changed; reload the page and confirm again." };
  const { deps, scheduler } = await getEngine();
  const queued = await retryDeadDeliveries(deps, { filters });
  revalidatePath("/deliveries");
  const when = scheduler
    ? "The next pass sends them, or press Run now on the dashboard."
    : "The next cron pass sends them, or press Run now on the dashboard.";
  return {
    status: "ok",
    message: `Queued ${queued.toLocaleString("en")} dead deliver${queued === 1 ? "y" : "ies"} again. ${when}`,
  };
}
