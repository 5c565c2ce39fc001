import { asc } from "drizzle-orm";
import type { Db, Tx } from "../client";
import { inbounds, outboxSources } from "../schema";

/**
 * Outbox sources by id, for naming where an event came from (`outbox:<id>`) in the event log and its
 * filter; the outbox's own queries live in outbox-sources.ts.
 */
export async function listOutboxSourceNames(db: Db | Tx): Promise<{ id: string; name: string }[]> {
  return db
    .select({ id: outboxSources.id, name: outboxSources.name })
    .from(outboxSources)
    .orderBy(asc(outboxSources.name));
}

/** Inbounds by id, for naming events recorded from broker messages (`inbound:<id>`); names only, never their targets. */
export async function listInboundNames(db: Db | Tx): Promise<{ id: string; name: string }[]> {
  return db.select({ id: inbounds.id, name: inbounds.name }).from(inbounds).orderBy(asc(inbounds.name));
}
