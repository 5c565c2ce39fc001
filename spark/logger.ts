import pino, { type DestinationStream, type Logger as PinoLogger } from "pino";
import pretty from "pino-pretty";

type Fields = Record<string, unknown>;

export type Logger = {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  /** A logger whose every line also carries `bindings` (a job run's id, a destination's, a request's). */
  child(bindings: Fields): Logger;
};

export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Removes what must never reach a log line, whoever built the text: a failed query's parameters
 * ("params: …", as drizzle words it), scrypt hashes, the password in a URL's user info, API keys,
 * webhook secrets and bearer tokens.
 */
export function redactSecrets(text: string): string {
  return (
    text
      .replace(/\nparams: [\s\S]*$/, " [query parameters removed]")
      .replace(/scrypt\$[\w$.+/=-]+/g, "scrypt$[redacted]")
      // Up to the last @ of the authority: a password may hold an unencoded @.
      .replace(/\b([a-z][\w+.-]*:\/\/[^\s:/@"']*):[^\s/"']*@/gi, "$1:[redacted]@")
      .replace(/\b(Bearer|Basic)\s+[^\s"',;]+/gi, "$1 [redacted]")
      // No word boundary: a key glued to other text ("xspk_…", "_whsec_…") is still a key.
      .replace(/spk_[\w-]+/g, "spk_[redacted]")
      .replace(/whsec_[\w+/=-]+/g, "whsec_[redacted]")
      // libpq's "host=db password=…", a URL's "?password=…", and a quoted JSON body's "password": "…".
      .replace(/\b((?:ssl)?password|passwd|pwd|secret|token|api_?key)=[^\s&"',;]+/gi, "$1=[redacted]")
      .replace(
        /"((?:ssl)?password|passwd|passcode|secret|token|api_?key)"\s*:\s*"(?:[^"\\]|\\.)*"/gi,
        '"$1":"[redacted]"',
      )
  );
}

/** One line for an error: its message and its cause's (the database's reason), without secrets. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return redactSecrets(String(error));
  const cause =
    error.cause instanceof Error && !error.message.includes(error.cause.message) ? `: ${error.cause.message}` : "";
  return redactSecrets(`${error.message}${cause}`);
}

// Field names whose value is a secret whatever it looks like; pino's redact replaces them before the
// line is written, at the top level and one object down (`{ broker: { password } }`).
const SECRET_FIELDS = [
  "password",
  "passcode",
  "secret",
  "secrets",
  "token",
  "apiKey",
  "api_key",
  "authorization",
  "Authorization",
  "cookie",
  "connectionString",
  "databaseUrl",
  "secretSealed",
  "webhookSecret",
  "passwordHash",
];
export const REDACTED_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  ...SECRET_FIELDS.map((f) => `headers.${f}`),
  ...SECRET_FIELDS.map((f) => `*.headers.${f}`),
];

// pino's paths stop one object down, miss arrays and are case-sensitive: scrub also replaces, at any
// depth and in any case or spelling, a field named like a secret (nodemailer's `auth.pass`,
// `smtpPassword`, `internalSecret`, `DATABASE_URL`).
const SECRET_NAME =
  /^(pass|passwd|pwd|passcode|passphrase|credentials?|authorization|cookie|set-?cookie|connection-?string|database-?url|dsn)$|(password|passcode|secret|token|api-?key)(-?hash|-?sealed)?$/;
const isSecretField = (name: string) => SECRET_NAME.test(name.toLowerCase().replace(/_/g, "-"));

/** Strings through redactSecrets and errors as one line, at any depth (bounded, cycles cut). */
function scrub(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === "string") return redactSecrets(value);
  if (value instanceof Error) return describeError(value);
  if (typeof value !== "object" || value === null) return value;
  if (seen.has(value) || depth > 8) return "[…]";
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1, seen));
  if (value instanceof Date) return value.toISOString();
  const out: Fields = {};
  for (const [k, v] of Object.entries(value)) out[k] = isSecretField(k) ? "[redacted]" : scrub(v, depth + 1, seen);
  return out;
}

// pino-pretty writes the message as it is (fields are quoted): a line break or an escape sequence in it
// would start a line of its own, or repaint the terminal.
const oneLine = (text: string) =>
  text.replace(/[\p{Cc}\u2028\u2029]/gu, (c) =>
    c === "\n" ? "\\n" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );

function wrap(base: PinoLogger, readable: boolean): Logger {
  const messageOf = (message: string) => (readable ? oneLine(redactSecrets(message)) : redactSecrets(message));
  const write =
    (level: "debug" | "info" | "warn" | "error") =>
    (message: string, fields?: Fields): void => {
      if (!base.isLevelEnabled(level)) return;
      if (fields && Object.keys(fields).length > 0) base[level](scrub(fields) as Fields, messageOf(message));
      else base[level](messageOf(message));
    };
  return {
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    child: (bindings) => wrap(base.child(scrub(bindings) as Fields), readable),
  };
}

export type LoggerOptions = {
  level?: LogLevel;
  /** Human-readable lines (pino-pretty) instead of one JSON object per line: for development. */
  pretty?: boolean;
  /** Where debug and info lines go (stdout by default; the CLIs keep stdout for their result). */
  info?: NodeJS.WritableStream;
  /** Where warnings and errors go (stderr by default). */
  error?: NodeJS.WritableStream;
};

/**
 * The process's logger: pino, one JSON object per line (`level`, `time`, `msg`, the fields and the
 * bindings of child loggers), which JSON encoding keeps on one line whatever a value holds. Secrets are
 * removed twice over: by field name (pino's redact) and from every string (redactSecrets).
 * Pretty output is pino-pretty as a synchronous stream in this thread: pino's worker-thread transports
 * do not survive Next's server bundles.
 */
export function createLogger({
  level = "info",
  pretty: readable = false,
  info = process.stdout,
  error = process.stderr,
}: LoggerOptions = {}): Logger {
  const out = (stream: NodeJS.WritableStream): DestinationStream =>
    readable
      ? pretty({ sync: true, destination: stream, colorize: false, translateTime: "SYS:HH:MM:ss.l" })
      : (stream as unknown as DestinationStream);
  const destination =
    info === error
      ? out(info)
      : pino.multistream(
          [
            { level: "debug", stream: out(info) },
            { level: "warn", stream: out(error) },
          ],
          // Each line goes to the one stream of the highest level it reaches: warnings only to stderr.
          { dedupe: true },
        );
  const base = pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    },
    destination,
  );
  return wrap(base, readable);
}

const silent: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silent,
};
export const silentLogger: Logger = silent;
