import type { BrokerAddress } from "./types";

/** What a RabbitMQ URL names once the password is taken out: enough to connect and to show an operator. */
export type RabbitUrl = {
  protocol: "amqp" | "amqps";
  hostname: string;
  port: number;
  /** Decoded; "/" when the URL names none, as RabbitMQ's own clients assume. */
  vhost: string;
  /** Decoded; null means RabbitMQ's default user (guest), which RabbitMQ accepts only from localhost. */
  username: string | null;
};

const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const IPV6 = /^\[[0-9A-Fa-f:.]{2,45}\]$/;
// RFC 3986 userinfo and path segment characters, percent-escapes included; anything else (a second "@",
// a space, a backslash, a tab the WHATWG parser would silently drop) means the URL is not what it looks like.
const USERINFO_PART = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;
const SEGMENT = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

const EXAMPLE = "amqp://user:password@rabbit.example.com:5672/vhost";

/**
 * Splits `amqp[s]://user:password@host:port/vhost` into the URL Spark keeps (user, no password) and the
 * password it seals. Parsed by hand rather than with `new URL`, which strips tabs and newlines, accepts
 * backslashes and splits on the last "@", so what Spark keeps could differ from what the operator read.
 * Messages never repeat any part of the input: a mistyped URL may hold the password anywhere.
 */
export function parseRabbitUrl(input: string): { ok: true; address: BrokerAddress } | { ok: false; message: string } {
  const fail = (why: string) => ({ ok: false as const, message: `${why} Write it as ${EXAMPLE}.` });
  const text = input.trim();
  if (text.length > 2048) return fail("The RabbitMQ URL is longer than 2,048 characters.");
  const scheme = /^(amqps?):\/\//i.exec(text);
  if (!scheme) return fail("A RabbitMQ URL starts with amqp:// or amqps:// (TLS).");
  const protocol = scheme[1]!.toLowerCase() as "amqp" | "amqps";
  const rest = text.slice(scheme[0].length);
  if (/[?#]/.test(rest))
    return fail(
      "The RabbitMQ URL has a query or fragment; Spark sets timeouts and heartbeats itself, so leave them out.",
    );
  const slash = rest.indexOf("/");
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? "" : rest.slice(slash + 1);

  const at = authority.split("@");
  if (at.length > 2)
    return fail('The RabbitMQ URL has more than one "@"; write an "@" in the user or password as %40.');
  const userinfo = at.length === 2 ? at[0]! : null;
  const hostPort = at[at.length - 1]!;

  let username: string | null = null;
  let password: string | null = null;
  if (userinfo !== null) {
    const colon = userinfo.indexOf(":");
    const rawUser = colon === -1 ? userinfo : userinfo.slice(0, colon);
    const rawPassword = colon === -1 ? null : userinfo.slice(colon + 1);
    if (/%(?![0-9A-Fa-f]{2})/.test(userinfo))
      return fail("The user or password has a broken percent-escape (a % not followed by two hex digits of UTF-8).");
    if (!USERINFO_PART.test(rawUser) || (rawPassword !== null && !USERINFO_PART.test(rawPassword)))
      return fail(
        'The user or password holds characters a URL cannot carry; percent-encode them (":" as %3A, "/" as %2F).',
      );
    const user = decode(rawUser);
    const secret = rawPassword === null ? null : decode(rawPassword);
    if (user === null || (rawPassword !== null && secret === null))
      return fail("The user or password has a broken percent-escape (a % not followed by two hex digits of UTF-8).");
    if (user === "") return fail("The RabbitMQ URL has a password but no user name before it.");
    if (CONTROL.test(user)) return fail("The user name holds a control character.");
    username = user;
    password = secret === "" ? null : secret;
  }

  const hostMatch = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostPort);
  if (!hostMatch || hostMatch[1] === "") return fail("The RabbitMQ URL names no host.");
  const hostname = hostMatch[1]!;
  if (!HOST_NAME.test(hostname) && !IPV6.test(hostname))
    return fail("The host is not a host name or an IP address (IPv6 goes in brackets).");
  const defaultPort = protocol === "amqps" ? 5671 : 5672;
  let port = defaultPort;
  if (hostMatch[2] !== undefined) {
    port = Number(hostMatch[2]);
    if (hostMatch[2] === "" || !Number.isInteger(port) || port < 1 || port > 65535)
      return fail("The port is not a number from 1 to 65535.");
  }

  if (path.includes("/"))
    return fail('A vhost is one path segment; write a "/" inside it as %2F (the vhost "/" is %2F).');
  if (!SEGMENT.test(path)) return fail("The vhost holds characters a URL cannot carry; percent-encode them.");
  const decodedVhost = decode(path);
  if (decodedVhost === null) return fail("The vhost has a broken percent-escape.");
  if (CONTROL.test(decodedVhost)) return fail("The vhost holds a control character.");
  const vhost = decodedVhost === "" ? "/" : decodedVhost;

  return {
    ok: true,
    address: { url: formatRabbitUrl({ protocol, hostname, port, vhost, username }), password },
  };
}

/** The kept URL in one spelling, so the same broker always reads the same in the UI and the logs. */
export function formatRabbitUrl(url: RabbitUrl): string {
  const user = url.username === null ? "" : `${encodeURIComponent(url.username)}@`;
  return `${url.protocol}://${user}${url.hostname.toLowerCase()}:${url.port}/${encodeURIComponent(url.vhost)}`;
}

/** Reads a URL that parseRabbitUrl wrote; null when it is not one (a stored address edited by hand). */
export function readRabbitUrl(url: string): RabbitUrl | null {
  const parsed = parseRabbitUrl(url);
  if (!parsed.ok || parsed.address.password !== null) return null;
  const m = /^(amqps?):\/\/(?:([^@]*)@)?(\[[^\]]*\]|[^:/]*):(\d+)\/(.*)$/.exec(parsed.address.url)!;
  return {
    protocol: m[1] as "amqp" | "amqps",
    username: m[2] === undefined ? null : decodeURIComponent(m[2]),
    hostname: m[3]!,
    port: Number(m[4]),
    vhost: decodeURIComponent(m[5]!),
  };
}

function decode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}
