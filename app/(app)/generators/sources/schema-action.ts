"use server";

import { z } from "zod";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { readConnectionSchema, type ReadSchemaResult } from "@/spark/connections/schema";

// Only the connection's id comes from the client: the catalog query is fixed text, never built from input.
const schemaInput = z.object({ connectionId: z.uuid("Choose the connection the query reads from.") });

/** The schema browser: the tables and columns the connection's read-only user can read. */
export async function readSchemaAction(input: unknown): Promise<ReadSchemaResult> {
  await requireSession();
  const parsed = schemaInput.safeParse(input);
  if (!parsed.success)
    return { ok: false, message: parsed.error.issues[0]?.message ?? "Choose the connection the query reads from." };
  const { deps } = await getEngine();
  return readConnectionSchema(deps, { connectionId: parsed.data.connectionId });
}
