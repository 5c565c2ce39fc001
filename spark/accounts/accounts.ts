import {
  expireUnusedAccountTokens,
  findAccountTokenById,
  insertAccountToken,
  markAccountTokenUsed,
} from "@/db/queries/account-tokens";
import { deleteSessionsByUser } from "@/db/queries/sessions";
import {
  countActiveAdminsExcept,
  countUsers,
  findUserById,
  insertUser,
  updateUserAccessById,
  updateUserPasswordById,
} from "@/db/queries/users";
import type { AccountTokenPurpose, OperatorRole, User } from "@/db/schema";
import type { Deps } from "../deps";
import { hashPassword, verifyPassword } from "./password";
import { hashToken, newToken } from "./tokens";
import { staleEdit, type StaleEdit } from "../stale-edits";

type AuthDeps = Pick<Deps, "db" | "clock">;

export const SETUP_LINK_HOURS = 24;
export const INVITE_LINK_DAYS = 7;

export type FirstAdminOutcome =
  { kind: "exists" } | { kind: "created"; email: string } | { kind: "setup-link"; url: string; expiresAt: Date };

/**
 * Makes sure someone can get in: with operators present nothing happens; otherwise the admin from
 * the environment is created, or a fresh one-time setup link is issued (older links stop working).
 */
export async function ensureFirstAdmin(
  deps: AuthDeps,
  { admin, publicUrl }: { admin: { email: string; password: string } | null; publicUrl: string },
): Promise<FirstAdminOutcome> {
  if ((await countUsers(deps.db)) > 0) return { kind: "exists" };
  if (admin) {
    const created = await createOperator(deps, {
      email: admin.email,
      password: admin.password,
      role: "admin",
      createdBy: null,
    });
    return created ? { kind: "created", email: created.email } : { kind: "exists" };
  }
  const now = deps.clock();
  await expireUnusedAccountTokens(deps.db, { purpose: "setup", at: now });
  const { url, expiresAt } = await issueAccountToken(deps, {
    purpose: "setup",
    userId: null,
    createdBy: null,
    publicUrl,
    ms: SETUP_LINK_HOURS * 3_600_000,
  });
  return { kind: "setup-link", url, expiresAt };
}

async function issueAccountToken(
  { db, clock }: AuthDeps,
  input: {
    purpose: AccountTokenPurpose;
    userId: string | null;
    createdBy: string | null;
    publicUrl: string;
    ms: number;
  },
) {
  const token = newToken();
  const expiresAt = new Date(clock().getTime() + input.ms);
  await insertAccountToken(db, {
    id: hashToken(token),
    purpose: input.purpose,
    userId: input.userId,
    createdBy: input.createdBy,
    expiresAt,
  });
  return { url: `${input.publicUrl}/setup/${token}`, expiresAt };
}

export type AccountTokenState =
  | { status: "valid"; purpose: "setup" }
  | { status: "valid"; purpose: "invite"; email: string }
  | { status: "used" | "expired" | "unknown" };

export async function readAccountToken(
  { db, clock }: AuthDeps,
  { token }: { token: string },
): Promise<AccountTokenState> {
  const row = token.length <= 100 ? await findAccountTokenById(db, { id: hashToken(token) }) : null;
  if (!row) return { status: "unknown" };
  if (row.usedAt) return { status: "used" };
  if (row.expiresAt <= clock()) return { status: "expired" };
  if (row.purpose === "setup")
    return (await countUsers(db)) > 0 ? { status: "used" } : { status: "valid", purpose: "setup" };
  const user = row.userId ? await findUserById(db, { id: row.userId }) : null;
  if (!user || user.disabledAt || user.passwordHash) return { status: "used" };
  return { status: "valid", purpose: "invite", email: user.email };
}

export type RedeemResult = { status: "ok"; user: User } | { status: "used" | "expired" | "unknown" };

/** Uses a setup or invite link once: creates the first admin, or sets the invited operator's password. */
export async function redeemAccountToken(
  deps: AuthDeps,
  input: { token: string; email?: string; password: string },
): Promise<RedeemResult> {
  const state = await readAccountToken(deps, { token: input.token });
  if (state.status !== "valid") return { status: state.status };
  const passwordHash = await hashPassword(input.password);
  return deps.db.transaction(async (tx) => {
    const now = deps.clock();
    const id = hashToken(input.token);
    if (state.purpose === "setup" && (await countUsers(tx)) > 0) return { status: "used" as const };
    if (!(await markAccountTokenUsed(tx, { id, at: now }))) return { status: "used" as const };
    if (state.purpose === "setup") {
      if (!input.email) throw new Error("redeemAccountToken: a setup link needs an email");
      const user = await insertUser(tx, {
        email: input.email.trim().toLowerCase(),
        passwordHash,
        role: "admin",
        passwordChangedAt: now,
      });
      if (!user) throw new Error("redeemAccountToken: the first admin could not be inserted");
      return { status: "ok" as const, user };
    }
    const token = await findAccountTokenById(tx, { id });
    const user = token?.userId ? await findUserById(tx, { id: token.userId }) : null;
    if (!user) return { status: "unknown" as const };
    await updateUserPasswordById(tx, { id: user.id, passwordHash, at: now });
    return { status: "ok" as const, user: { ...user, passwordHash } };
  });
}

/** Creates an operator with a password; null when the email is taken. */
export async function createOperator(
  { db, clock }: AuthDeps,
  input: { email: string; password: string; role: OperatorRole; createdBy: string | null },
): Promise<User | null> {
  const passwordHash = await hashPassword(input.password);
  return insertUser(db, {
    email: input.email.trim().toLowerCase(),
    passwordHash,
    role: input.role,
    passwordChangedAt: clock(),
  });
}

/** Creates an operator without a password and a link where they choose one; null when the email is taken. */
export async function inviteOperator(
  deps: AuthDeps,
  input: { email: string; role: OperatorRole; createdBy: string; publicUrl: string },
): Promise<{ user: User; url: string; expiresAt: Date } | null> {
  return deps.db.transaction(async (tx) => {
    const user = await insertUser(tx, {
      email: input.email.trim().toLowerCase(),
      passwordHash: null,
      role: input.role,
    });
    if (!user) return null;
    const link = await issueAccountToken(
      { db: tx, clock: deps.clock },
      {
        purpose: "invite",
        userId: user.id,
        createdBy: input.createdBy,
        publicUrl: input.publicUrl,
        ms: INVITE_LINK_DAYS * 86_400_000,
      },
    );
    return { user, ...link };
  });
}

/** A fresh invite link for an operator who has not chosen a password yet; older links stop working. */
export async function reissueInvite(deps: AuthDeps, input: { userId: string; createdBy: string; publicUrl: string }) {
  const user = await findUserById(deps.db, { id: input.userId });
  if (!user || user.passwordHash) return null;
  await expireUnusedAccountTokens(deps.db, { purpose: "invite", userId: user.id, at: deps.clock() });
  return issueAccountToken(deps, {
    purpose: "invite",
    userId: user.id,
    createdBy: input.createdBy,
    publicUrl: input.publicUrl,
    ms: INVITE_LINK_DAYS * 86_400_000,
  });
}

export type AccessResult = { status: "ok" } | { status: "self" | "last-admin" | "unknown" } | StaleEdit;

/** The CLI acts as "cli", which is no operator: its changes are recorded without an editor. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Applies an admin's change to an operator's access in one transaction, refusing it when the operator
 * changed since the admin's page loaded `version`, and never leaving no active admin.
 */
async function changeAccess(
  deps: AuthDeps,
  {
    actorId,
    userId,
    version,
    change,
  }: {
    actorId: string;
    userId: string;
    version?: number;
    change: (user: User) => { disabledAt?: Date | null; role?: OperatorRole };
  },
): Promise<AccessResult> {
  const outcome = await deps.db.transaction(async (tx) => {
    const user = await findUserById(tx, { id: userId });
    if (!user) return { status: "unknown" as const };
    if (version !== undefined && user.version !== version) return { status: "stale" as const, user };
    const changes = change(user);
    const removesAdmin =
      user.role === "admin" && !user.disabledAt && (changes.disabledAt || (changes.role && changes.role !== "admin"));
    if (removesAdmin && (await countActiveAdminsExcept(tx, { id: userId })) === 0)
      return { status: "last-admin" as const };
    const by = UUID.test(actorId) ? actorId : null;
    const updated = await updateUserAccessById(tx, { id: userId, version, changes, by, at: deps.clock() });
    if (!updated) return { status: "stale" as const, user: (await findUserById(tx, { id: userId })) ?? user };
    if (changes.disabledAt) await deleteSessionsByUser(tx, { userId });
    return { status: "ok" as const };
  });
  if (outcome.status === "stale") return staleEdit(deps, outcome.user, null);
  return outcome;
}

/** Disables or re-enables an operator. Disabling ends their sessions at once and never locks everyone out. */
export async function setOperatorDisabled(
  deps: AuthDeps,
  { actorId, userId, disabled, version }: { actorId: string; userId: string; disabled: boolean; version?: number },
): Promise<AccessResult> {
  if (disabled && actorId === userId) return { status: "self" };
  return changeAccess(deps, {
    actorId,
    userId,
    version,
    change: (user) => ({ disabledAt: disabled ? (user.disabledAt ?? deps.clock()) : null }),
  });
}

/** Makes an operator an admin or an operator; the last active admin keeps the role. */
export async function setOperatorRole(
  deps: AuthDeps,
  { actorId, userId, role, version }: { actorId: string; userId: string; role: OperatorRole; version?: number },
): Promise<AccessResult> {
  return changeAccess(deps, { actorId, userId, version, change: () => ({ role }) });
}

/** Changes an operator's own password after checking the current one; their other sessions end. */
export async function changeOwnPassword(
  deps: AuthDeps,
  { userId, sessionId, current, password }: { userId: string; sessionId: string; current: string; password: string },
): Promise<"ok" | "wrong-current"> {
  const user = await findUserById(deps.db, { id: userId });
  if (!user?.passwordHash || !(await verifyPassword(current, user.passwordHash))) return "wrong-current";
  await setPassword(deps, { userId, password, keepSessionId: sessionId });
  return "ok";
}

/** Sets a password and ends every session but the one kept (the CLI keeps none). */
export async function setPassword(
  deps: AuthDeps,
  { userId, password, keepSessionId }: { userId: string; password: string; keepSessionId?: string },
) {
  const passwordHash = await hashPassword(password);
  await deps.db.transaction(async (tx) => {
    await updateUserPasswordById(tx, { id: userId, passwordHash, at: deps.clock() });
    await deleteSessionsByUser(tx, { userId, exceptId: keepSessionId });
  });
}
