const BASE = "http://spark.invalid";

/**
 * The path to go to after signing in, or "/" when `next` could lead anywhere else. Browsers drop tabs
 * and newlines from URLs and read "\" as "/", so "/\t/evil.example" or "/\evil.example" would leave the
 * site; anything but a plain ASCII path (also once decoded) falls back to "/".
 */
export function safeNext(next: unknown): string {
  if (typeof next !== "string" || !isPlainPath(next)) return "/";
  // A server or proxy further on may decode the path once more, so the decoded path must be plain too.
  let decodedPath: string;
  try {
    decodedPath = decodeURIComponent(next.split(/[?#]/, 1)[0]!);
  } catch {
    return "/";
  }
  if (!isPlainPath(decodedPath)) return "/";
  const url = new URL(next, BASE);
  if (url.origin !== BASE) return "/";
  return url.pathname + url.search + url.hash;
}

function isPlainPath(path: string): boolean {
  // Printable ASCII only: control characters, spaces and look-alikes such as "。" or "／" are refused.
  if (!/^[\x21-\x7e]+$/.test(path)) return false;
  return path.startsWith("/") && !path.startsWith("//") && !path.includes("\\");
}
