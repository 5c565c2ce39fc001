import { z } from "zod";
import type { Deps } from "../deps";
import {
  createSubscription,
  describeSubscription,
  replayParked,
  resetSubscription,
  sendEventsAgain,
  setSubscriptionActive,
  updateSubscription,
  type SubscriptionInput,
  type SubscriptionState,
} from "./subscriptions";

/** `POST /api/destinations`: a webhook names its `url`, a code destination its `subscriber`. */
export const destinationRequestSchema = z
  .object({
    name: z.string(),
    kind: z.enum(["webhook", "code", "rabbitmq", "nats"]),
    groups: z.string().describe("A group, or a pattern with * (order.*)."),
    url: z
      .string()
      .optional()
      .describe("The webhook's URL, or the broker's (amqp://user:password@host:5672/vhost, nats://host:4222)."),
    exchange: z.string().optional().describe('RabbitMQ: the exchange to publish to (default "amq.topic").'),
    routingKey: z
      .string()
      .optional()
      .describe("RabbitMQ: the routing key, with {group}-style placeholders (default the group)."),
    subject: z
      .string()
      .optional()
      .describe("NATS: the subject, with {group}-style placeholders (default spark.{group})."),
    subscriber: z.string().optional().describe("The registered code subscriber's name (kind code)."),
    from: z.string().optional().describe('"beginning", "now" (the default) or an ISO time.'),
    strictOrder: z.boolean().optional(),
    attemptLimit: z.number().int().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  })
  .strict();

export const destinationStateSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  groups: z.string(),
  target: z.string(),
  status: z.enum(["active", "paused", "disabled"]),
  disabledReason: z.string().nullable(),
  strictOrder: z.boolean(),
  attemptLimit: z.number().int(),
  delivered: z.number().int(),
  lag: z.object({ events: z.number().int(), capped: z.boolean(), seconds: z.number().int().nullable() }),
  backlog: z.object({ waiting: z.number().int(), parked: z.number().int() }),
  lastError: z.string().nullable(),
  lastErrorAt: z.string().nullable(),
  lastDeliveredAt: z.string().nullable(),
  reader: z.string().nullable().describe("The instance reading it now, if any."),
  settings: z
    .record(z.string(), z.unknown())
    .describe("A relay's exchange and routingKey (RabbitMQ) or subject (NATS); empty for the other kinds."),
  version: z.number().int().describe("Send it back with a PATCH: a change made since answers 409."),
});
export type DestinationState = z.infer<typeof destinationStateSchema>;

export function destinationStateOf({ subscription: s, lag, backlog }: SubscriptionState): DestinationState {
  return {
    id: s.id,
    name: s.name,
    kind: s.kind,
    groups: s.groupPattern,
    target: s.target,
    status: s.status,
    disabledReason: s.disabledReason,
    strictOrder: s.strictOrder,
    attemptLimit: s.attemptLimit,
    delivered: s.deliveredCount,
    lag,
    backlog,
    lastError: s.lastError,
    lastErrorAt: s.lastErrorAt?.toISOString() ?? null,
    lastDeliveredAt: s.lastDeliveredAt?.toISOString() ?? null,
    reader: s.leaseUntil && s.leaseUntil > new Date() ? s.leaseHolder : null,
    settings: s.config,
    version: s.version,
  };
}

type Answer = { status: number; body: Record<string, unknown> };

/** The machine API's create: 201 with the id and, for a webhook, its signing secret (shown this once). */
export async function createDestination(deps: Deps, body: unknown): Promise<Answer> {
  const parsed = destinationRequestSchema.safeParse(body);
  if (!parsed.success) return { status: 400, body: { error: problemOf(parsed.error) } };
  const { url, subscriber, groups, exchange, routingKey, subject, ...rest } = parsed.data;
  const target = rest.kind === "code" ? subscriber : url;
  if (!target)
    return {
      status: 400,
      body: {
        error:
          rest.kind === "code"
            ? "A code destination names its subscriber."
            : `A ${rest.kind} destination needs its url.`,
      },
    };
  const config =
    rest.kind === "rabbitmq"
      ? { ...(exchange !== undefined ? { exchange } : {}), ...(routingKey !== undefined ? { routingKey } : {}) }
      : rest.kind === "nats" && subject !== undefined
        ? { subject }
        : undefined;
  const created = await createSubscription(deps, {
    input: { ...rest, groups, target, from: rest.from ?? "now", ...(config ? { config } : {}) } as SubscriptionInput,
    by: null,
  });
  if (created.status === "invalid") {
    const [field, messages] = Object.entries(created.fieldErrors)[0]!;
    const name = field === "target" ? (rest.kind === "code" ? "subscriber" : "url") : field;
    return { status: 400, body: { error: `${name}: ${messages[0]}`, field: name } };
  }
  return {
    status: 201,
    body: { id: created.subscription.id, ...(created.secret ? { secret: created.secret } : {}) },
  };
}

/** `PATCH /api/destinations/:id`: what is sent changes, what is left out stays; the kind never changes. */
export const destinationUpdateSchema = z
  .object({
    version: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("The version a GET answered: if it changed since, nothing is saved and the answer is 409."),
    name: z.string().optional(),
    groups: z.string().optional().describe("A group, or a pattern with * (order.*)."),
    url: z
      .string()
      .optional()
      .describe("The webhook's URL, or the broker's; a broker URL without a password keeps the stored one."),
    subscriber: z.string().optional().describe("The registered code subscriber's name (kind code)."),
    exchange: z.string().optional(),
    routingKey: z.string().optional().describe('RabbitMQ: the routing key template; "" for the group.'),
    subject: z.string().optional(),
    strictOrder: z.boolean().optional(),
    attemptLimit: z.number().int().optional(),
    headers: z
      .record(z.string(), z.string())
      .optional()
      .describe("A webhook's extra headers, all of them: they replace the stored ones."),
  })
  .strict();

/**
 * Changes a destination in place, keeping its checkpoint, backlog and secret: 200 with its new state,
 * 400 naming the field, 409 when it changed since `version`, 404 when there is none.
 */
export async function updateDestination(deps: Deps, id: string, body: unknown): Promise<Answer> {
  const parsed = destinationUpdateSchema.safeParse(body);
  if (!parsed.success) return { status: 400, body: { error: problemOf(parsed.error) } };
  const state = await describeSubscription(deps, { id });
  if (!state) return notFound(id);
  const current = state.subscription;
  const { version, url, subscriber, exchange, routingKey, subject, headers, ...rest } = parsed.data;
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  // A routing key of "" goes back to the default, the group.
  const key = routingKey ?? text(current.config.routingKey) ?? "";
  const config =
    current.kind === "rabbitmq"
      ? { exchange: exchange ?? text(current.config.exchange), ...(key.trim() ? { routingKey: key } : {}) }
      : current.kind === "nats"
        ? { subject: subject ?? text(current.config.subject) }
        : undefined;
  const result = await updateSubscription(deps, {
    id,
    version: version ?? current.version,
    input: {
      name: rest.name ?? current.name,
      groups: rest.groups ?? current.groupPattern,
      target: (current.kind === "code" ? subscriber : url) ?? current.target,
      strictOrder: rest.strictOrder ?? current.strictOrder,
      attemptLimit: rest.attemptLimit ?? current.attemptLimit,
      ...(headers !== undefined ? { headers } : {}),
      ...(config ? { config } : {}),
    },
    by: null,
  });
  switch (result.status) {
    case "ok":
      return destinationState(deps, id);
    case "gone":
      return notFound(id);
    case "stale":
      return { status: 409, body: { error: result.message, version: result.version } };
    default: {
      const [field, messages] = Object.entries(result.fieldErrors)[0]!;
      const name = field === "target" ? (current.kind === "code" ? "subscriber" : "url") : field;
      return { status: 400, body: { error: `${name}: ${messages[0]}`, field: name } };
    }
  }
}

export async function destinationState(deps: Deps, id: string): Promise<Answer> {
  const state = await describeSubscription(deps, { id });
  return state ? { status: 200, body: destinationStateOf(state) } : notFound(id);
}

export const destinationCreatedSchema = z.object({
  id: z.string(),
  secret: z.string().optional().describe("A webhook's signing secret (whsec_…): shown this once, never again."),
});
export const replayRequestSchema = z
  .object({ eventIds: z.array(z.number().int().positive()).max(10_000).optional() })
  .strict();
export const resetRequestSchema = z
  .object({
    to: z.union([z.literal("beginning"), z.literal("now"), z.iso.datetime({ offset: true })]),
    confirmedCount: z.number().int().min(0).optional(),
  })
  .strict();

/** pause, resume, replay (the events named, parked or already delivered; or every parked one) and reset (confirmed by the count it re-sends). */
export async function destinationAction(deps: Deps, id: string, action: string, body: unknown): Promise<Answer> {
  switch (action) {
    case "pause":
    case "resume": {
      const row = await setSubscriptionActive(deps, { id, active: action === "resume", by: null });
      return row ? destinationState(deps, id) : notFound(id);
    }
    case "replay": {
      const parsed = replayRequestSchema.safeParse(body ?? {});
      if (!parsed.success) return { status: 400, body: { error: problemOf(parsed.error) } };
      const state = await describeSubscription(deps, { id });
      if (!state) return notFound(id);
      const { eventIds } = parsed.data;
      // Named events go back in line whether parked or delivered; without names, every parked one.
      if (!eventIds || state.subscription.strictOrder)
        return { status: 200, body: { replayed: await replayParked(deps, { id, eventIds: eventIds ?? null }) } };
      const again = eventIds.length > 0 ? await sendEventsAgain(deps, { id, eventIds }) : null;
      return { status: 200, body: { replayed: again?.status === "queued" ? again.queued : 0 } };
    }
    case "reset": {
      const parsed = resetRequestSchema.safeParse(body ?? {});
      if (!parsed.success) return { status: 400, body: { error: problemOf(parsed.error) } };
      const { to, confirmedCount } = parsed.data;
      const result = await resetSubscription(deps, {
        id,
        to: to === "beginning" || to === "now" ? to : new Date(to),
        confirmedCount,
        by: null,
      });
      if (result.status === "gone") return notFound(id);
      if (result.status === "confirm")
        return {
          status: 409,
          body: {
            error: `This reset re-sends ${result.resend}${result.capped ? " or more" : ""} events; send it again with "confirmedCount": ${result.resend} to go ahead.`,
            resend: result.resend,
          },
        };
      return { status: 200, body: { resend: result.resend } };
    }
    default:
      return { status: 404, body: { error: `No action "${action}"; use pause, resume, replay or reset.` } };
  }
}

const notFound = (id: string): Answer => ({ status: 404, body: { error: `No destination ${id}.` } });

function problemOf(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message;
}
