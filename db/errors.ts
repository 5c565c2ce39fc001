/** A database that cannot be opened, told in one line an operator can act on. */
export class DatabaseOpenError extends Error {
  override name = "DatabaseOpenError";
}
