import { and, asc, count, eq, isNotNull, isNull, ne, sql } from "drizzle-orm";
import type { Db, Tx } from "../client";
import { users, type NewUser, type OperatorRole, type User } from "../schema";

type Conn = Db | Tx;

export async function findUserByEmail(db: Conn, { email }: { email: string }): Promise<User | null> {
  const [row] = await db
    .select()
    .from(users)
    .where(eq(sql`lower(${users.email})`, email.toLowerCase()));
  return row ?? null;
}

export async function findUserById(db: Conn, { id }: { id: string }): Promise<User | null> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row ?? null;
}

export async function countUsers(db: Conn): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users);
  return row?.n ?? 0;
}

export async function countActiveAdminsExcept(db: Conn, { id }: { id: string }): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(users)
    .where(and(eq(users.role, "admin"), isNull(users.disabledAt), isNotNull(users.passwordHash), ne(users.id, id)));
  return row?.n ?? 0;
}

export async function listUsers(db: Conn): Promise<User[]> {
  return db.select().from(users).orderBy(asc(users.createdAt), asc(users.email));
}

/** Inserts a user unless the email is taken (case-insensitively); returns null when it is. */
export async function insertUser(db: Conn, user: NewUser): Promise<User | null> {
  const [row] = await db.insert(users).values(user).onConflictDoNothing().returning();
  return row ?? null;
}

export async function updateUserPasswordById(
  db: Conn,
  { id, passwordHash, at }: { id: string; passwordHash: string; at: Date },
) {
  await db.update(users).set({ passwordHash, passwordChangedAt: at }).where(eq(users.id, id));
}

/**
 * An admin's change to an operator: it bumps the version and names the admin. With `version`, only
 * while the row is still at it (check and bump in one UPDATE, so of two admins acting on the same
 * loaded page exactly one wins). Null when no row matched.
 */
export async function updateUserAccessById(
  db: Conn,
  {
    id,
    version,
    changes,
    by = null,
    at,
  }: {
    id: string;
    version?: number;
    changes: { disabledAt?: Date | null; role?: OperatorRole };
    by?: string | null;
    at: Date;
  },
): Promise<User | null> {
  const [row] = await db
    .update(users)
    .set({ ...changes, updatedBy: by, updatedAt: at, version: sql`${users.version} + 1` })
    .where(and(eq(users.id, id), version === undefined ? undefined : eq(users.version, version)))
    .returning();
  return row ?? null;
}

export async function updateUserDisabledById(db: Conn, { id, disabledAt }: { id: string; disabledAt: Date | null }) {
  await updateUserAccessById(db, { id, changes: { disabledAt }, at: disabledAt ?? new Date() });
}

export async function updateUserLastLoginById(db: Conn, { id, at }: { id: string; at: Date }) {
  await db.update(users).set({ lastLoginAt: at }).where(eq(users.id, id));
}
