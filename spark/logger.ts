export type Logger = {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
};

/**
 * Removes what must never reach a log line, whoever built the text: a failed query's parameters
 * ("params: …", as drizzle words it), scrypt hashes and the password in a URL's user info.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/\nparams: [\s\S]*$/, " [query parameters removed]")
    .replace(/scrypt\$[\w$.+/=-]+/g, "scrypt$[redacted]")
    .replace(/\b([a-z][\w+.-]*:\/\/[^\s:/@"']*):[^\s@/"']*@/gi, "$1:[redacted]@");
}

/** One line for an error: its message and its cause's (the database's reason), without secrets. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return redactSecrets(String(error));
  const cause =
    error.cause instanceof Error && !error.message.includes(error.cause.message) ? `: ${error.cause.message}` : "";
  return redactSecrets(`${error.message}${cause}`);
}

function redactField(_key: string, value: unknown): unknown {
  if (value instanceof Error) return describeError(value);
  return typeof value === "string" ? redactSecrets(value) : value;
}

/** One line per entry, the fields as JSON after the message, so logs stay greppable and parseable. */
export function createConsoleLogger({
  info = process.stdout,
  error = process.stderr,
}: { info?: NodeJS.WritableStream; error?: NodeJS.WritableStream } = {}): Logger {
  const write =
    (level: string, stream: NodeJS.WritableStream) => (message: string, fields?: Record<string, unknown>) => {
      const tail = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields, redactField)}` : "";
      stream.write(`${new Date().toISOString()} ${level} ${redactSecrets(message)}${tail}\n`);
    };
  return { info: write("info", info), warn: write("warn", error), error: write("error", error) };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
