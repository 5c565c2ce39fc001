/**
 * A v4 uuid made in the browser, for one click of an action that must not run twice (a test send, an
 * import run). crypto.randomUUID exists only on https and localhost, and Spark is also served on plain http.
 */
export function oneTimeToken(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
