import addressparser from "nodemailer/lib/addressparser";
import { z } from "zod";

const email = z.email();

export type AddressList = { ok: true; addresses: string[] } | { ok: false; message: string };

/**
 * A rendered address field as a list: commas or semicolons between addresses, display names allowed
 * ("Ada <ada@example.com>"). An address that is not one is an error naming it, never skipped.
 */
export function parseAddressList(text: string): AddressList {
  const trimmed = text.replace(/;/g, ",").trim();
  if (trimmed === "") return { ok: true, addresses: [] };
  const addresses: string[] = [];
  for (const part of addressparser(trimmed, { flatten: true })) {
    const address = part.address.trim();
    if (!email.safeParse(address).success) {
      const shown = address || part.name || trimmed;
      return { ok: false, message: `'${shown}' is not an email address.` };
    }
    addresses.push(part.name ? `${formatDisplayName(part.name)} <${address}>` : address);
  }
  return { ok: true, addresses };
}

/** The bare address of "Name <a@b>" or "a@b", lower-cased: what an SMTP envelope and the unique key use. */
export function bareAddress(address: string): string {
  const match = /<([^>]+)>\s*$/.exec(address);
  return (match ? match[1]! : address).trim().toLowerCase();
}

/** A display name as it can sit in a header: quoted when it holds anything but plain words. */
function formatDisplayName(name: string): string {
  const clean = name.replace(/[\r\n]+/g, " ").trim();
  return /^[\p{L}\p{N} .'-]+$/u.test(clean) ? clean : `"${clean.replace(/[\\"]/g, "\\$&")}"`;
}
