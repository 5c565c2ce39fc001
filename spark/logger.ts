export type Logger = {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
};

/** One line per entry, the fields as JSON after the message, so logs stay greppable and parseable. */
export function createConsoleLogger({ info = process.stdout }: { info?: NodeJS.WriteStream } = {}): Logger {
  const write = (level: string, stream: NodeJS.WriteStream) => (message: string, fields?: Record<string, unknown>) => {
    const tail = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : "";
    stream.write(`${new Date().toISOString()} ${level} ${message}${tail}\n`);
  };
  return { info: write("info", info), warn: write("warn", process.stderr), error: write("error", process.stderr) };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
