import { DrizzleQueryError } from "drizzle-orm/errors";
import { PgPreparedQuery } from "drizzle-orm/pg-core";

/**
 * Drizzle writes every parameter of a failed query into its error's message ("params: …") and PGlite
 * hangs them on its own error as well. Those parameters are password hashes, token hashes and
 * connection secrets, and the message reaches logs that nobody filters (Next prints a failed action's
 * error as it is). A failed query keeps its SQL and the database's reason, and loses the values.
 */
export function withoutQueryParams<E>(error: E): E {
  if (!(error instanceof DrizzleQueryError)) return error;
  const before = error.message;
  const message = `Failed query: ${error.query}`;
  const stack = error.stack?.replace(before, message);
  Object.defineProperty(error, "message", { value: message, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(error, "stack", {
    value: stack ?? `${error.name}: ${message}`,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  Object.defineProperty(error, "params", { value: [], writable: true, configurable: true, enumerable: false });
  const cause = error.cause;
  if (cause && typeof cause === "object") {
    for (const key of ["params", "parameters", "args"]) {
      // postgres.js fixes its copies as hidden and unconfigurable; nothing prints those.
      if (Object.getOwnPropertyDescriptor(cause, key)?.configurable)
        delete (cause as unknown as Record<string, unknown>)[key];
    }
  }
  return error;
}

const installed = Symbol.for("spark.queryErrorsWithoutParams");
type Patchable = { queryWithCache(...args: unknown[]): Promise<unknown>; [installed]?: true };

/**
 * Every query of both drivers runs through PgPreparedQuery.queryWithCache, which is where drizzle
 * builds the error; wrapping it there covers queries no caller thought to guard.
 */
export function stripParamsFromQueryErrors(): void {
  const proto = PgPreparedQuery.prototype as unknown as Patchable;
  if (proto[installed]) return;
  const original = proto.queryWithCache;
  proto.queryWithCache = async function (this: unknown, ...args: unknown[]) {
    try {
      return await original.apply(this, args);
    } catch (error) {
      throw withoutQueryParams(error);
    }
  };
  proto[installed] = true;
}
