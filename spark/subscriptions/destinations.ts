import type { PublishedEvent } from "@/db/queries/event-streams";
import type { Subscription } from "@/db/schema";
import type { Deps } from "../deps";
import { relayFor } from "../brokers/relays";
import { apiEventOf } from "../producers/read";
import { sendWebhook } from "../webhooks/send";
import { webhookBody, webhookIdOf } from "../webhooks/sign";

/** What a destination answered for one event. */
export type HandOff =
  | { ok: true; status?: number | null; response?: string | null }
  | {
      ok: false;
      error: string;
      status?: number | null;
      response?: string | null;
      /** The destination asked for this wait before the next attempt (Retry-After). */
      retryAfterMs?: number | null;
      /** The destination asked never to be called again (410 Gone). */
      gone?: boolean;
      /**
       * The destination itself cannot be reached (a broker down or reconnecting), through no fault of
       * this event: the subscription waits at this event instead of spending its attempts and moving on.
       */
      unavailable?: boolean;
      /** False when nothing reached the destination (its reconnect backoff has not passed): no attempt to log. */
      attempted?: boolean;
    };

export type Destination = {
  handOff(event: PublishedEvent, options: { signal?: AbortSignal }): Promise<HandOff>;
  /**
   * Hand-offs started in commit order arrive in that order (one broker channel), so several may await
   * their confirms at once; a webhook's requests could overtake each other, so it takes one at a time.
   */
  pipelined?: boolean;
};

/** The destination a subscription names; one that cannot be reached says why on every attempt. */
export function destinationOf(deps: Deps, subscription: Subscription): Destination {
  switch (subscription.kind) {
    case "code": {
      const subscriber = deps.subscribers.find((s) => s.name === subscription.target);
      if (!subscriber)
        return unavailable(
          `No code subscriber named "${subscription.target}" is registered (extensions/index.ts); register it, or point the subscription elsewhere.`,
        );
      return {
        async handOff(event) {
          await subscriber.handle(apiEventOf(event));
          return { ok: true };
        },
      };
    }
    case "webhook": {
      const box = deps.connections.secrets;
      if (!box || !subscription.secretSealed)
        return unavailable("Its signing secret cannot be opened: set SPARK_SECRET_KEY to the key it was saved with.");
      let secrets: string[];
      let headers: Record<string, string>;
      try {
        const previous =
          subscription.previousSecretSealed &&
          subscription.previousSecretUntil &&
          subscription.previousSecretUntil > deps.clock()
            ? [box.open(subscription.previousSecretSealed)]
            : [];
        secrets = [box.open(subscription.secretSealed), ...previous];
        headers = subscription.headersSealed
          ? (JSON.parse(box.open(subscription.headersSealed)) as Record<string, string>)
          : {};
      } catch (error) {
        return unavailable((error as Error).message);
      }
      return {
        async handOff(event, { signal }) {
          const result = await sendWebhook({
            url: subscription.target,
            id: webhookIdOf(subscription.id, event.id),
            timestamp: deps.clock(),
            body: webhookBody(event),
            secrets,
            headers,
            allowPrivate: deps.settings.webhookAllowPrivate,
            signal,
          });
          return result.ok
            ? { ok: true, status: result.status, response: result.response }
            : {
                ok: false,
                error: result.error,
                status: result.status,
                response: result.response,
                retryAfterMs: result.retryAfterMs,
                gone: result.gone,
              };
        },
      };
    }
    case "rabbitmq":
    case "nats": {
      const opened = relayFor(deps, { ...subscription, kind: subscription.kind });
      if (!opened.ok) return unavailable(opened.error);
      return { handOff: (event, { signal }) => opened.relay.publish(event, { signal }), pipelined: true };
    }
    default:
      return unavailable(`Destinations of kind "${subscription.kind}" cannot be sent to by this version of Spark.`);
  }
}

function unavailable(error: string): Destination {
  return { handOff: async () => ({ ok: false, error }) };
}
