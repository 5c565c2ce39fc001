import { and, asc, desc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { inboundRejections, inbounds, type Inbound, type InboundRejection } from "@/db/schema";
import type { Deps } from "../deps";
import { brokerDriverOf } from "../brokers/registry";
import type { BrokerAddress, InboundConnector } from "../brokers/types";
import { deleteInboundById, findInboundById } from "@/db/queries/inbounds";

export const inboundInputSchema = z
  .object({
    name: z.string().trim().min(1, "Give it a name.").max(100, "A name is at most 100 characters."),
    kind: z.enum(["rabbitmq", "nats"], { error: 'kind is "rabbitmq" or "nats".' }),
    url: z.string().trim().min(1, "Give the broker's URL.").max(2000),
    /** RabbitMQ: {queue, prefetch?}; NATS: {stream, consumer, batch?}. */
    config: z.record(z.string(), z.unknown()).default({}),
    active: z.boolean().default(true),
  })
  .strict();
export type InboundInput = z.input<typeof inboundInputSchema>;

export type CreateInboundResult =
  { status: "ok"; inbound: Inbound } | { status: "invalid"; field: string; message: string };

/**
 * Saves an inbound after checking that the broker answers and the queue (or stream and consumer) exists;
 * its password is sealed under SPARK_SECRET_KEY and never shown again. Active ones start consuming in the
 * server within seconds.
 */
export async function createInbound(
  deps: Pick<Deps, "db" | "connections">,
  { input, by }: { input: InboundInput; by: string | null },
): Promise<CreateInboundResult> {
  const parsed = inboundInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { status: "invalid", field: String(issue.path[0] ?? "form"), message: issue.message };
  }
  const data = parsed.data;
  const driver = brokerDriverOf(data.kind);
  const address = driver.parseUrl(data.url);
  if (!address.ok) return { status: "invalid", field: "url", message: address.message };
  const config = driver.inboundConfigSchema.safeParse(data.config);
  if (!config.success) {
    const issue = config.error.issues[0]!;
    return { status: "invalid", field: String(issue.path[0] ?? "config"), message: issue.message };
  }
  const problem = await driver.check(address.address, config.data, "inbound");
  if (problem) return { status: "invalid", field: "url", message: problem };
  let secretSealed: string | null = null;
  if (address.address.password !== null) {
    const box = deps.connections.secrets;
    if (!box)
      return {
        status: "invalid",
        field: "url",
        message: "Set SPARK_SECRET_KEY on the server first: a broker password is kept sealed under it.",
      };
    secretSealed = box.seal(address.address.password);
  }
  const [row] = await deps.db
    .insert(inbounds)
    .values({
      name: data.name,
      kind: data.kind,
      target: address.address.url,
      config: config.data as Record<string, unknown>,
      secretSealed,
      active: data.active,
      updatedBy: by,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) return { status: "invalid", field: "name", message: `An inbound is already named "${data.name}".` };
  return { status: "ok", inbound: row };
}

export async function setInboundActive(
  deps: Pick<Deps, "db" | "clock">,
  { id, active, by }: { id: string; active: boolean; by: string | null },
): Promise<Inbound | null> {
  if (!z.uuid().safeParse(id).success) return null;
  const [row] = await deps.db
    .update(inbounds)
    .set({ active, updatedAt: deps.clock(), updatedBy: by, version: sql`${inbounds.version} + 1` })
    .where(eq(inbounds.id, id))
    .returning();
  return row ?? null;
}

/** Deletes an inbound with the refusals kept for it; the server's consumer stops at its next look. */
export async function deleteInbound(deps: Pick<Deps, "db">, { id }: { id: string }): Promise<Inbound | null> {
  if (!z.uuid().safeParse(id).success) return null;
  return deleteInboundById(deps.db, { id });
}

export async function findInbound(deps: Pick<Deps, "db">, { id }: { id: string }): Promise<Inbound | null> {
  if (!z.uuid().safeParse(id).success) return null;
  return findInboundById(deps.db, { id });
}

export async function listInbounds(deps: Pick<Deps, "db">): Promise<Inbound[]> {
  return deps.db.select().from(inbounds).orderBy(asc(inbounds.name));
}

export async function findInboundByName(deps: Pick<Deps, "db">, { name }: { name: string }): Promise<Inbound | null> {
  const [row] = await deps.db
    .select()
    .from(inbounds)
    .where(sql`lower(${inbounds.name}) = lower(${name})`);
  return row ?? null;
}

export async function listInboundRejections(
  deps: Pick<Deps, "db">,
  { id, limit = 50 }: { id: string; limit?: number },
): Promise<InboundRejection[]> {
  return deps.db
    .select()
    .from(inboundRejections)
    .where(and(eq(inboundRejections.inboundId, id)))
    .orderBy(desc(inboundRejections.id))
    .limit(limit);
}

/** What an inbound looks like to an admin or the API: no password, ever. */
export function inboundStateOf(inbound: Inbound) {
  return {
    id: inbound.id,
    name: inbound.name,
    kind: inbound.kind,
    url: inbound.target,
    config: inbound.config,
    active: inbound.active,
    received: inbound.received,
    recorded: inbound.recorded,
    duplicates: inbound.duplicates,
    rejected: inbound.rejected,
    lastMessageAt: inbound.lastMessageAt?.toISOString() ?? null,
    lastError: inbound.lastError,
    lastErrorAt: inbound.lastErrorAt?.toISOString() ?? null,
  };
}

/** The consumer for an inbound, its password opened; a message when it cannot be. */
export function connectorFor(
  deps: Pick<Deps, "connections">,
  inbound: Inbound,
): { ok: true; connector: InboundConnector } | { ok: false; error: string } {
  const driver = brokerDriverOf(inbound.kind);
  const config = driver.inboundConfigSchema.safeParse(inbound.config);
  if (!config.success) return { ok: false, error: `Its settings no longer read: ${config.error.issues[0]!.message}` };
  const address: BrokerAddress = { url: inbound.target, password: null };
  if (inbound.secretSealed) {
    const box = deps.connections.secrets;
    if (!box) return { ok: false, error: "Its broker password cannot be opened: set SPARK_SECRET_KEY." };
    try {
      address.password = box.open(inbound.secretSealed);
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  }
  return { ok: true, connector: driver.connector(address, config.data) };
}
