import { listOutboxSourceNamesByConnection } from "@/db/queries/outbox-sources";
import { z } from "zod";
import type { Deps } from "../deps";
import {
  deleteConnectionById,
  findConnectionById,
  insertConnection,
  listSqlSourceNamesByConnection,
  recordConnectionCheck,
  updateConnectionById,
  type ConnectionValues,
} from "@/db/queries/connections";
import type { Connection } from "@/db/schema";
import type { ConnectionTarget, Connections, SecretBox } from "./index";
import { staleEdit, type StaleEdit } from "../stale-edits";

export const connectionInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Give the connection a name.")
    .max(60, "Use at most 60 characters.")
    .regex(/^[a-z0-9][a-z0-9_-]*$/, "Use lowercase letters, digits, _ and - (start with a letter or digit)."),
  kind: z.enum(["postgres", "mysql"], "Choose PostgreSQL or MySQL/MariaDB."),
  host: z
    .string()
    .trim()
    .min(1, "Enter the database server's host name or address.")
    .max(255, "Use at most 255 characters.")
    .regex(/^[A-Za-z0-9._:[\]-]+$/, "A host name or address: letters, digits, dots, dashes (and colons in [IPv6])."),
  port: z.coerce
    .number("Enter a port number.")
    .int("Enter a whole number.")
    .min(1, "Use a port from 1 to 65535.")
    .max(65535, "Use a port from 1 to 65535."),
  database: z.string().trim().min(1, "Enter the database to read.").max(128, "Use at most 128 characters."),
  username: z.string().trim().min(1, "Enter the read-only user's name.").max(128, "Use at most 128 characters."),
  // Empty on an edit keeps the stored password.
  password: z.string().max(1024, "Use at most 1,024 characters."),
  ssl: z.preprocess((v) => v === "on" || v === "true" || v === true, z.boolean()),
});
export type ConnectionInput = z.infer<typeof connectionInput>;

type ConnectionDeps = Pick<Deps, "db" | "clock" | "connections">;

type Invalid = { status: "invalid"; fieldErrors: Record<string, string[]> };
export type SaveConnectionResult = { status: "ok"; connection: Connection } | Invalid | { status: "gone" } | StaleEdit;

const valuesOf = (input: ConnectionInput): ConnectionValues => ({
  name: input.name,
  kind: input.kind,
  host: input.host,
  port: input.port,
  database: input.database,
  username: input.username,
  ssl: input.ssl,
});

/**
 * What "Test connection" and every save run: connect as the user, then judge its privileges. The
 * answer is the list of problems, each saying what to change; empty when operators may use it.
 */
export async function checkTarget(connections: Connections, name: string, target: ConnectionTarget): Promise<string[]> {
  try {
    return await connections.forTarget(name, target).checkPrivileges();
  } catch (error) {
    return [(error as Error).message];
  }
}

/** Where a stored password may be sent: the server and user it was saved for, and nowhere else. */
const sameTarget = (existing: Connection, input: ConnectionInput) =>
  existing.kind === input.kind &&
  existing.host === input.host &&
  existing.port === input.port &&
  existing.database === input.database &&
  existing.username === input.username;

export class PasswordNeeded extends Error {
  override name = "PasswordNeeded";
}

/** The password to use: the one typed, or the stored one when the field was left empty on an edit of the same target. */
function passwordFor(existing: Connection | null, input: ConnectionInput, secrets: SecretBox | null): string {
  if (input.password !== "" || !existing?.passwordSealed || !secrets) return input.password;
  if (!sameTarget(existing, input))
    throw new PasswordNeeded(
      "Enter the password again: the stored one is only sent to the server and user it was saved for.",
    );
  return secrets.open(existing.passwordSealed);
}

/** Saves a connection only after it connected and its user proved least-privileged; the password is sealed. */
export async function saveConnection(
  { db, clock, connections }: ConnectionDeps,
  { id, version, input, by }: { id?: string; version?: number; input: ConnectionInput; by: string | null },
): Promise<SaveConnectionResult> {
  const existing = id ? await findConnectionById(db, { id }) : null;
  if (id && !existing) return { status: "gone" };
  if (existing && existing.origin !== "ui")
    return {
      status: "invalid",
      fieldErrors: { name: ["This connection is declared in the environment or built in; change it there."] },
    };
  if (input.password !== "" && !connections.secrets) {
    return {
      status: "invalid",
      fieldErrors: {
        password: [
          "Set SPARK_SECRET_KEY (32+ random characters) on the server first: it encrypts stored passwords. Or declare the connection as SPARK_CONNECTION_<NAME>.",
        ],
      },
    };
  }
  let password: string;
  try {
    password = passwordFor(existing, input, connections.secrets);
  } catch (error) {
    return { status: "invalid", fieldErrors: { password: [(error as Error).message] } };
  }
  const problems = await checkTarget(connections, input.name, {
    kind: input.kind,
    host: input.host,
    port: input.port,
    database: input.database,
    username: input.username,
    ssl: input.ssl,
    password,
  });
  if (problems.length > 0) return { status: "invalid", fieldErrors: { form: problems } };
  const sealed = input.password === "" ? undefined : connections.secrets!.seal(input.password);
  if (!existing) {
    const row = await insertConnection(db, {
      values: valuesOf(input),
      passwordSealed: sealed ?? null,
      origin: "ui",
      by,
    });
    if (!row) return { status: "invalid", fieldErrors: { name: ["Another connection has this name."] } };
    await recordConnectionCheck(db, { id: row.id, at: clock(), error: null });
    return { status: "ok", connection: row };
  }
  const updated = await updateConnectionById(db, {
    id: existing.id,
    version: version ?? existing.version,
    values: valuesOf(input),
    passwordSealed: sealed,
    at: clock(),
    by,
  });
  if (updated === "taken") return { status: "invalid", fieldErrors: { name: ["Another connection has this name."] } };
  if (updated === "stale") {
    // No version table for connections: the refusal can say who and when, not which fields.
    const current = await findConnectionById(db, { id: existing.id });
    return current ? staleEdit({ db, clock }, current, null) : { status: "gone" };
  }
  if (!updated) return { status: "gone" };
  await recordConnectionCheck(db, { id: updated.id, at: clock(), error: null });
  return { status: "ok", connection: updated };
}

/** "Test connection" on a stored one: the same check, its outcome kept for the list. */
export async function testStoredConnection(
  { db, clock, connections }: ConnectionDeps,
  { id }: { id: string },
): Promise<{ ok: true } | { ok: false; problems: string[] }> {
  let problems: string[];
  try {
    problems = await (await connections.open(id)).checkPrivileges();
  } catch (error) {
    problems = [(error as Error).message];
  }
  await recordConnectionCheck(db, { id, at: clock(), error: problems[0] ?? null });
  return problems.length === 0 ? { ok: true } : { ok: false, problems };
}

/** Deletes a connection unless sources read from it (they are named), or it is built in or declared. */
export async function deleteConnection(
  { db }: Pick<ConnectionDeps, "db">,
  { id }: { id: string },
): Promise<{ status: "ok" | "gone" } | { status: "in-use"; sources: string[] } | { status: "fixed"; message: string }> {
  const row = await findConnectionById(db, { id });
  if (!row) return { status: "gone" };
  if (row.origin !== "ui")
    return {
      status: "fixed",
      message:
        row.origin === "env"
          ? "It is declared in the environment; remove its SPARK_CONNECTION_ variable instead."
          : "The sample connection is built in.",
    };
  const sources = [
    ...(await listSqlSourceNamesByConnection(db, { id })),
    ...(await listOutboxSourceNamesByConnection(db, { id })).map((name) => `${name} (outbox table)`),
  ];
  if (sources.length > 0) return { status: "in-use", sources };
  return (await deleteConnectionById(db, { id })) ? { status: "ok" } : { status: "gone" };
}

/** "Test connection" on the form as it stands, saved or not (an empty password on an edit uses the stored one). */
export async function testConnectionInput(
  { db, connections }: ConnectionDeps,
  { id, input }: { id?: string; input: ConnectionInput },
): Promise<{ ok: true } | { ok: false; problems: string[] }> {
  const existing = id ? await findConnectionById(db, { id }) : null;
  let password: string;
  try {
    password = passwordFor(existing?.origin === "ui" ? existing : null, input, connections.secrets);
  } catch (error) {
    return { ok: false, problems: [(error as Error).message] };
  }
  const problems = await checkTarget(connections, input.name, {
    kind: input.kind,
    host: input.host,
    port: input.port,
    database: input.database,
    username: input.username,
    ssl: input.ssl,
    password,
  });
  return problems.length === 0 ? { ok: true } : { ok: false, problems };
}
