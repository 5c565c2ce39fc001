import { DatabaseOpenError } from "@/db/errors";
import { ConfigError } from "@/runtime/config";
import { describeError } from "@/spark/logger";

/** A problem the person at the shell can fix, printed as one line with exit code 1 (never a stack trace). */
export class CliError extends Error {
  override name = "CliError";
}

export function runCli(main: () => Promise<number | void>): void {
  main().then(
    (code) => process.exit(code ?? 0),
    (error: unknown) => {
      if (error instanceof CliError || error instanceof ConfigError || error instanceof DatabaseOpenError) {
        process.stderr.write(`spark: ${error.message}\n`);
      } else {
        process.stderr.write(`spark: unexpected error: ${describeError(error)}\n`);
        if (process.env.SPARK_DEBUG) console.error(error);
      }
      process.exit(1);
    },
  );
}
