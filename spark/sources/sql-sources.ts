import { z } from "zod";
import type { Deps } from "../deps";
import { listGeneratorsBySource } from "@/db/queries/generators";
import { deleteSqlSourceById, insertSqlSource, updateSqlSourceById } from "@/db/queries/sql-sources";
import type { SqlSource } from "@/db/schema";
import { sqlSourceRef } from "./resolve";
import { connectionOfSource, testSqlSource } from "./sql";
import { staleEdit, type StaleEdit } from "../stale-edits";

export const sqlSourceInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Give the source a name.")
    .max(60, "Use at most 60 characters.")
    .regex(/^[a-z0-9][a-z0-9_-]*$/, "Use lowercase letters, digits, _ and - (start with a letter or digit)."),
  description: z.string().trim().max(500, "Use at most 500 characters."),
  connectionId: z.uuid("Choose the connection the query reads from."),
  query: z
    .string()
    .trim()
    .min(1, "Write a SELECT whose first column is id.")
    .max(20_000, "Keep the query under 20,000 characters."),
});
export type SqlSourceInput = z.infer<typeof sqlSourceInput>;

export type SaveSqlSourceResult =
  | { status: "ok"; source: SqlSource }
  | { status: "invalid"; fieldErrors: Record<string, string[]> }
  | { status: "gone" }
  | StaleEdit;

/**
 * Saves a SQL source only after its query ran on its connection as a pass would run it, keeping its
 * column types. With `version` (the one the form was loaded at), a save over a newer change is refused.
 */
export async function saveSqlSource(
  deps: Deps,
  { id, version, input, by = null }: { id?: string; version?: number; input: SqlSourceInput; by?: string | null },
): Promise<SaveSqlSourceResult> {
  let connection;
  try {
    connection = await connectionOfSource(deps.connections, input.connectionId);
  } catch (error) {
    return { status: "invalid", fieldErrors: { connectionId: [(error as Error).message] } };
  }
  const tested = await testSqlSource(connection, input.query);
  if (!tested.ok) return { status: "invalid", fieldErrors: { query: [tested.message] } };
  const values = { ...input, variables: tested.variables };
  if (!id) {
    const source = await insertSqlSource(deps.db, { ...values, updatedBy: by });
    return source
      ? { status: "ok", source }
      : { status: "invalid", fieldErrors: { name: ["Another SQL source has this name."] } };
  }
  const updated = await updateSqlSourceById(deps.db, { id, version, changes: values, by, at: deps.clock() });
  if (updated === "taken") return { status: "invalid", fieldErrors: { name: ["Another SQL source has this name."] } };
  // No version table for sources: the refusal can say who and when, not which fields.
  if (updated && "stale" in updated) return staleEdit(deps, updated.stale, null);
  return updated ? { status: "ok", source: updated } : { status: "gone" };
}

/** Deletes a SQL source unless generators use it; then it names them, so nothing breaks silently. */
export async function deleteSqlSource(
  deps: Deps,
  { id }: { id: string },
): Promise<{ status: "ok" | "gone" } | { status: "in-use"; generators: string[] }> {
  const users = await listGeneratorsBySource(deps.db, { source: sqlSourceRef(id) });
  if (users.length > 0) return { status: "in-use", generators: users.map((g) => g.name) };
  return (await deleteSqlSourceById(deps.db, { id })) ? { status: "ok" } : { status: "gone" };
}
