/**
 * A PostgreSQL array literal (`{…}`) of texts, numbers or nulls, to pass as one text parameter cast to
 * an array type: both drivers take it alike (PGlite cannot serialize some array parameters), and a
 * column of values costs the server far less to read than the same rows as JSON. Every text is quoted,
 * with `"` and `\` escaped, so no value can end an element or the array.
 */
export function arrayLiteral(values: readonly (string | number | null)[]): string {
  const parts = values.map((value) => {
    if (value === null) return "NULL";
    if (typeof value === "number") {
      if (!Number.isFinite(value)) throw new RangeError(`${value} cannot be stored in an array of numbers.`);
      return String(value);
    }
    return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  });
  return `{${parts.join(",")}}`;
}
