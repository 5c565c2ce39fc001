import type { ConnectionTarget } from "./types";
/**
 * The TLS a connection URL asks for (`?sslmode=` or `?ssl=`). Spark's PostgreSQL sessions encrypt
 * without checking the server's certificate (libpq's `require`), so a PostgreSQL URL asking for the
 * certificate to be checked is refused rather than quietly given less; MySQL sessions check it always.
 */
export function tlsOfUrl(
  url: URL,
  { kind, where }: { kind: "postgres" | "mysql"; where: string },
): { ok: true; ssl: boolean } | { ok: false; message: string } {
  const mode = (url.searchParams.get("sslmode") ?? url.searchParams.get("ssl") ?? "").toLowerCase();
  const verify = mode === "verify-full" || mode === "verify-ca";
  if (verify && kind === "postgres")
    return {
      ok: false,
      message: `${where} asks for sslmode=${mode}, but Spark does not check a PostgreSQL server's certificate; use sslmode=require (encrypted, the certificate not checked) over a network you trust.`,
    };
  return { ok: true, ssl: verify || mode === "require" || mode === "true" };
}

/**
 * The database a connection URL names (`SPARK_CONNECTION_<NAME>`, `npm run import --from`), or why it
 * names none, said for `where`; the password never appears in a refusal.
 */
export function targetOfConnectionUrl(
  raw: string,
  where: string,
): { ok: true; target: ConnectionTarget } | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return {
      ok: false,
      message: `${where} is not a URL; give it like postgres://reader:password@db.example.com:5432/app or mysql://reader:password@db.example.com:3306/app.`,
    };
  }
  const kind =
    url.protocol === "postgres:" || url.protocol === "postgresql:"
      ? "postgres"
      : url.protocol === "mysql:" || url.protocol === "mariadb:"
        ? "mysql"
        : null;
  if (!kind)
    return {
      ok: false,
      message: `${where} must start with postgres:// or mysql:// (it starts with ${url.protocol}//).`,
    };
  if (!url.hostname)
    return { ok: false, message: `${where} names no host; give it like ${kind}://reader:password@host/app.` };
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (!database) return { ok: false, message: `${where} names no database; end it with /<database>.` };
  const tls = tlsOfUrl(url, { kind, where });
  if (!tls.ok) return tls;
  return {
    ok: true,
    target: {
      kind,
      // An IPv6 address comes bracketed in a URL, bare to the drivers.
      host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: url.port ? Number(url.port) : kind === "postgres" ? 5432 : 3306,
      database,
      username: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      ssl: tls.ssl,
    },
  };
}
