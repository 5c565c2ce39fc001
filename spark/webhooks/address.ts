import { lookup as dnsLookup } from "node:dns/promises";
import { isIP, type LookupFunction } from "node:net";

/** Resolves a host name to every address it has, as `dns.lookup(name, { all: true })` does. */
export type LookupFn = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

export type AddressCheck = { allowPrivate: boolean; lookup?: LookupFn };

const MAX_URL_LENGTH = 2000;
const LOOKUP_TIMEOUT_MS = 10_000;

const systemLookup: LookupFn = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

const ALLOW_HINT =
  "Spark sends webhooks only to public addresses; SPARK_WEBHOOK_ALLOW_PRIVATE=1 allows private ones (for local development).";

/** The shape of an endpoint URL, before any address is looked at. */
export function parseWebhookUrl(url: string): { ok: true; url: URL } | { ok: false; message: string } {
  if (url.length > MAX_URL_LENGTH)
    return { ok: false, message: `A webhook URL is at most ${MAX_URL_LENGTH} characters.` };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, message: "That is not a URL; write it in full, like https://example.com/webhooks." };
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return { ok: false, message: `A webhook URL starts with https:// or http://, not ${parsed.protocol}//.` };
  }
  if (parsed.username || parsed.password) {
    return {
      ok: false,
      message: "A webhook URL cannot carry a user name or password; put a token in an extra header instead.",
    };
  }
  if (!parsed.hostname) return { ok: false, message: "A webhook URL needs a host name." };
  return { ok: true, url: parsed };
}

/**
 * Checks an endpoint URL as an operator enters it: its shape, then every address its host resolves to.
 * Sending checks again (`sendWebhook`), at connect time, so a later change of DNS reaches nothing private.
 */
export async function checkWebhookUrl(
  url: string,
  opts: AddressCheck,
): Promise<{ ok: true; url: URL } | { ok: false; message: string }> {
  const parsed = parseWebhookUrl(url);
  if (!parsed.ok) return parsed;
  const resolved = await resolveWebhookHost(hostOf(parsed.url), opts);
  return resolved.ok ? parsed : resolved;
}

/** The URL's host without the brackets of an IPv6 literal: what sockets and `isIP` expect. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Every address of a host, each one checked. A name with one public and one private address is refused:
 * a connection may be made to any of them.
 */
export async function resolveWebhookHost(
  host: string,
  { allowPrivate, lookup = systemLookup }: AddressCheck,
): Promise<{ ok: true; addresses: { address: string; family: 4 | 6 }[] } | { ok: false; message: string }> {
  const literal = isIP(host);
  if (literal) {
    const kind = allowPrivate ? null : nonPublicKind(host);
    if (kind) return { ok: false, message: `${host} is ${kind}. ${ALLOW_HINT}` };
    return { ok: true, addresses: [{ address: host, family: literal as 4 | 6 }] };
  }
  let found: readonly { address: string; family: number }[];
  try {
    found = await withTimeout(lookup(host), LOOKUP_TIMEOUT_MS);
  } catch {
    return { ok: false, message: `${host} does not resolve; check the host name.` };
  }
  if (found.length === 0) return { ok: false, message: `${host} does not resolve; check the host name.` };
  const addresses: { address: string; family: 4 | 6 }[] = [];
  for (const { address } of found) {
    const family = isIP(address);
    if (!family) return { ok: false, message: `${host} resolves to something that is not an IP address.` };
    // The address itself is not named: the operator may be probing what names mean inside this network.
    const kind = allowPrivate ? null : nonPublicKind(address);
    if (kind) return { ok: false, message: `${host} resolves to ${kind}. ${ALLOW_HINT}` };
    addresses.push({ address, family: family as 4 | 6 });
  }
  return { ok: true, addresses };
}

/**
 * A `lookup` for `http.request` that connects only to addresses checked in the same step, so no second
 * resolution (DNS rebinding) can slip a private address in between the check and the connection.
 */
export function checkedLookup(opts: AddressCheck): LookupFunction {
  return (hostname, options, callback) => {
    resolveWebhookHost(hostname, opts).then(
      (result) => {
        if (!result.ok) return callback(new WebhookAddressError(result.message), "", 0);
        const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
        const usable = wanted ? result.addresses.filter((a) => a.family === wanted) : result.addresses;
        if (usable.length === 0) {
          return callback(new WebhookAddressError(`${hostname} has no IPv${wanted} address.`), "", 0);
        }
        if (options.all) return callback(null, usable);
        callback(null, usable[0]!.address, usable[0]!.family);
      },
      (error: Error) => callback(error, "", 0),
    );
  };
}

export class WebhookAddressError extends Error {
  readonly code = "SPARK_WEBHOOK_ADDRESS";
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("lookup timed out")), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

type Range = { bits: number[]; prefix: number; kind: string };

const v4 = (cidr: string, kind: string): Range => {
  const [address, prefix] = cidr.split("/") as [string, string];
  return { bits: address.split(".").map(Number), prefix: Number(prefix), kind };
};

// Order matters where ranges nest: the first that matches names the address.
const IPV4_RANGES: Range[] = [
  v4("255.255.255.255/32", "the broadcast address"),
  v4("0.0.0.0/8", "an unspecified address"),
  v4("10.0.0.0/8", "a private address"),
  v4("100.64.0.0/10", "a shared (carrier-grade NAT) address"),
  v4("127.0.0.0/8", "a loopback address"),
  v4("169.254.0.0/16", "a link-local address"),
  v4("172.16.0.0/12", "a private address"),
  v4("192.0.0.0/24", "a reserved address"),
  v4("192.0.2.0/24", "a documentation address"),
  v4("192.88.99.0/24", "a reserved address"),
  v4("192.168.0.0/16", "a private address"),
  v4("198.18.0.0/15", "a reserved address"),
  v4("198.51.100.0/24", "a documentation address"),
  v4("203.0.113.0/24", "a documentation address"),
  v4("224.0.0.0/4", "a multicast address"),
  v4("240.0.0.0/4", "a reserved address"),
];

const v6 = (groups: number[], prefix: number, kind: string): Range => ({
  bits: groups.flatMap((g) => [g >> 8, g & 0xff]),
  prefix,
  kind,
});

// IPv6 is checked against what is routed on the internet (2000::/3), minus its special blocks; anything
// outside it (loopback, link-local, unique-local, multicast, site-local, discard) is not public.
const GLOBAL_UNICAST = v6([0x2000], 3, "");
const IPV6_SPECIAL: Range[] = [
  v6([0x2001, 0x0db8], 32, "a documentation address"),
  v6([0x3fff], 20, "a documentation address"),
  // Teredo, ORCHID and other protocol assignments; Teredo tunnels to an IPv4 address it hides.
  v6([0x2001], 23, "a reserved address"),
];

/** Null when the address is public; otherwise what it is, for the refusal message. */
export function nonPublicKind(address: string): string | null {
  const family = isIP(address);
  if (family === 4) return ipv4Kind(address.split(".").map(Number));
  if (family === 6) {
    const bytes = parseIPv6(address);
    return bytes ? ipv6Kind(bytes) : "not an address Spark can check";
  }
  return "not an IP address";
}

function ipv4Kind(bytes: number[]): string | null {
  return IPV4_RANGES.find((r) => inRange(bytes, r))?.kind ?? null;
}

function ipv6Kind(b: number[]): string | null {
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zeros(0, 16)) return "an unspecified address";
  if (zeros(0, 15) && b[15] === 1) return "a loopback address";
  // Forms that carry an IPv4 address reach it: judge them by the address inside.
  const embedded = (v4bytes: number[]) => {
    const kind = ipv4Kind(v4bytes);
    return kind ? `${kind} (in IPv6 form)` : null;
  };
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return embedded(b.slice(12));
  // IPv4-compatible addresses are deprecated: nothing public uses them.
  if (zeros(0, 12)) return embedded(b.slice(12)) ?? "a reserved address";
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b) {
    if (zeros(4, 12)) return embedded(b.slice(12));
    return "a private address";
  }
  if (b[0] === 0x20 && b[1] === 0x02) return embedded(b.slice(2, 6));
  if (!inRange(b, GLOBAL_UNICAST)) {
    if (b[0] === 0xff) return "a multicast address";
    if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return "a link-local address";
    if ((b[0]! & 0xfe) === 0xfc || (b[0] === 0xfe && (b[1]! & 0xc0) === 0xc0)) return "a private address";
    return "a reserved address";
  }
  return IPV6_SPECIAL.find((r) => inRange(b, r))?.kind ?? null;
}

function inRange(bytes: number[], { bits, prefix }: Range): boolean {
  for (let i = 0; i * 8 < prefix; i++) {
    const take = Math.min(8, prefix - i * 8);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((bits[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** The 16 bytes of an IPv6 address that `isIP` accepted; null for a scoped one (fe80::1%eth0). */
function parseIPv6(address: string): number[] | null {
  if (address.includes("%")) return null;
  let text = address;
  const lastColon = text.lastIndexOf(":");
  const tail = text.slice(lastColon + 1);
  if (tail.includes(".")) {
    const [a, b, c, d] = tail.split(".").map(Number) as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groupsOf = (part: string) => (part === "" ? [] : part.split(":").map((g) => parseInt(g, 16)));
  const head = groupsOf(halves[0]!);
  const rest = halves.length === 2 ? groupsOf(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return null;
  const groups = [...head, ...Array<number>(missing).fill(0), ...rest];
  if (groups.some((g) => !(g >= 0 && g <= 0xffff))) return null;
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}
