import addressparser from "nodemailer/lib/addressparser";
import { z } from "zod";

const email = z.email();

export type AddressList = { ok: true; addresses: string[] } | { ok: false; message: string };

/**
 * Where a printed value that is itself an address (or a list) starts and ends in a rendered address
 * field: private-use characters, which no address holds and which are removed from printed values.
 */
export const PRINTED_START = "\uE000";
export const PRINTED_END = "\uE001";

/**
 * Settles each printed address: it stays an address only as a whole element of the list (nothing but
 * spaces between it and the start, the end, or a `,` or `;`), or as a bare address alone inside `<…>`.
 * Anywhere else it is part of something the template wrote, and is quoted as a name: in
 * `support+{{ ticket }}@example.com` or `{{ name }} <{{ email }}>`, a value `Eve <x@elsewhere.example>`
 * would otherwise move the mail to x@elsewhere.example.
 */
export function settlePrintedAddresses(text: string): string {
  const marks = /[\uE000\uE001]/g;
  const neighbour = (from: number, step: 1 | -1) => {
    for (let i = from; i >= 0 && i < text.length; i += step) if (!/\s/.test(text[i]!)) return text[i]!;
    return undefined;
  };
  let out = "";
  let from = 0;
  for (let at = text.indexOf(PRINTED_START); at !== -1; at = text.indexOf(PRINTED_START, from)) {
    const end = text.indexOf(PRINTED_END, at);
    if (end === -1) break;
    const value = text.slice(at + 1, end);
    const before = neighbour(at - 1, -1);
    const after = neighbour(end + 1, 1);
    const whole =
      (before === undefined || before === "," || before === ";") &&
      (after === undefined || after === "," || after === ";");
    const bracketed = before === "<" && after === ">" && !/[\s,;<>"]/.test(value.trim());
    out += text.slice(from, at).replace(marks, "");
    out += whole || bracketed ? value : `"${value.replace(/[\\"]/g, "\\$&").replace(/[\r\n]+/g, " ")}"`;
    from = end + 1;
  }
  return out + text.slice(from).replace(marks, "");
}

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
