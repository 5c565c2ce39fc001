"use server";

import { revalidatePath } from "next/cache";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { countPastEventsForTemplate, pastEventsInput, sendForPastEvents } from "@/spark/mail/templates";

export type PastEventsResult = { ok: true; count: number; message: string } | { ok: false; message: string };

const range = (from: Date, to: Date) => `${from.toISOString().slice(0, 10)} to ${to.toISOString().slice(0, 10)}`;
const events = (n: number) => `${n.toLocaleString("en")} event${n === 1 ? "" : "s"}`;

/** "Send for past events", step one: how many events in the range have no mail from this template. */
export async function countPastEventsAction(input: unknown): Promise<PastEventsResult> {
  await requireSession();
  const parsed = pastEventsInput.safeParse(input);
  if (!parsed.success) return { ok: false, message: parsed.error.issues[0]?.message ?? "Check the dates." };
  const { deps } = await getEngine();
  const result = await countPastEventsForTemplate(deps, parsed.data);
  if (!result.ok) return result;
  return {
    ok: true,
    count: result.count,
    message:
      result.count === 0
        ? `No event of ${result.group} from ${range(parsed.data.from, parsed.data.to)} is without this template's mail.`
        : `${events(result.count)} of ${result.group} from ${range(parsed.data.from, parsed.data.to)} ${result.count === 1 ? "has" : "have"} no mail from this template.`,
  };
}

/** Step two, after the operator saw the count: queue the mail, once per event. */
export async function sendForPastEventsAction(input: unknown): Promise<PastEventsResult> {
  await requireSession();
  const parsed = pastEventsInput.safeParse(input);
  if (!parsed.success) return { ok: false, message: parsed.error.issues[0]?.message ?? "Check the dates." };
  const { deps, scheduler } = await getEngine();
  const result = await sendForPastEvents(deps, parsed.data);
  if (!result.ok) return result;
  revalidatePath("/events");
  revalidatePath("/deliveries");
  const when = scheduler ? "the next pass renders and sends them" : "the next cron pass renders and sends them";
  return {
    ok: true,
    count: result.queued,
    message:
      result.queued === 0
        ? "Nothing left to queue: every event in the range already has this template's mail."
        : `Queued mail for ${events(result.queued)}; ${when}, or press Run now on the dashboard.`,
  };
}
