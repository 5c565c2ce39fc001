import type { Db } from "@/db/client";
import { findAccountTokenById } from "@/db/queries/account-tokens";
import { countUsers, findUserById } from "@/db/queries/users";
import { hashToken } from "@/spark/accounts/tokens";

/** The sign-in page says how to make the first operator while there is none. */
export async function loadLogin(db: Db): Promise<{ noOperators: boolean }> {
  return { noOperators: (await countUsers(db)) === 0 };
}

export type AccountLinkView =
  | { status: "valid"; purpose: "setup" }
  | { status: "valid"; purpose: "invite"; email: string }
  | { status: "used" | "expired" | "unknown" };

/**
 * What a setup or invite link offers as of `now`. A setup link is spent once any operator exists, and
 * an invite once its operator chose a password or was disabled, even if the link itself was never used.
 */
export async function loadAccountLink(db: Db, { token, now }: { token: string; now: Date }): Promise<AccountLinkView> {
  // Tokens are 43 characters; a longer one is not worth hashing.
  const row = token.length <= 100 ? await findAccountTokenById(db, { id: hashToken(token) }) : null;
  if (!row) return { status: "unknown" };
  if (row.usedAt) return { status: "used" };
  if (row.expiresAt <= now) return { status: "expired" };
  if (row.purpose === "setup")
    return (await countUsers(db)) > 0 ? { status: "used" } : { status: "valid", purpose: "setup" };
  const user = row.userId ? await findUserById(db, { id: row.userId }) : null;
  if (!user || user.disabledAt || user.passwordHash) return { status: "used" };
  return { status: "valid", purpose: "invite", email: user.email };
}
