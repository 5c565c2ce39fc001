import type { Subscription } from "@/db/schema";
import type { Deps } from "../deps";
import { brokerDriverOf, type BrokerKind } from "./registry";
import type { BrokerRelay } from "./types";

/**
 * One open relay per subscription, kept across dispatcher rounds (a broker connection per round would
 * cost a handshake per event), and replaced when the subscription was edited since it was opened.
 */
const open = new Map<string, { stamp: number; relay: BrokerRelay }>();

export function relayFor(
  deps: Pick<Deps, "connections">,
  subscription: Subscription & { kind: BrokerKind },
): { ok: true; relay: BrokerRelay } | { ok: false; error: string } {
  const stamp = subscription.updatedAt.getTime();
  const cached = open.get(subscription.id);
  if (cached && cached.stamp === stamp) return { ok: true, relay: cached.relay };
  if (cached) void cached.relay.close().catch(() => {});
  const driver = brokerDriverOf(subscription.kind);
  const config = driver.relayConfigSchema.safeParse(subscription.config);
  if (!config.success) return { ok: false, error: `Its settings no longer read: ${config.error.issues[0]!.message}` };
  let password: string | null = null;
  if (subscription.secretSealed) {
    const box = deps.connections.secrets;
    if (!box)
      return {
        ok: false,
        error: "Its broker password cannot be opened: set SPARK_SECRET_KEY to the key it was saved with.",
      };
    try {
      password = box.open(subscription.secretSealed);
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  }
  const relay = driver.relay({ url: subscription.target, password }, config.data);
  open.set(subscription.id, { stamp, relay });
  return { ok: true, relay };
}

/** Closes every open relay: the process is stopping. */
export async function closeRelays(): Promise<void> {
  const relays = [...open.values()];
  open.clear();
  await Promise.allSettled(relays.map(({ relay }) => relay.close()));
}
