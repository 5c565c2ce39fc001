import type { NextConfig } from "next";

const config: NextConfig = {
  // PGlite ships a wasm file and postgres.js and mysql2 open sockets: they load from node_modules at
  // run time rather than be bundled, or the build copies the wasm into public static files. pino and
  // pino-pretty resolve their own modules at run time (workers, transports), which a bundle breaks.
  serverExternalPackages: ["@electric-sql/pglite", "postgres", "mysql2", "pino", "pino-pretty"],
  poweredByHeader: false,
  typedRoutes: false,
  // The request proxy sets these (and the CSP) on pages and the API; static files skip the proxy.
  async headers() {
    const headers = [
      { key: "X-Content-Type-Options", value: "nosniff" },
      { key: "X-Frame-Options", value: "DENY" },
      { key: "Referrer-Policy", value: "same-origin" },
    ];
    // The machine routes skip the proxy (it would buffer their bodies): their answers are JSON that no
    // page may frame or run, and that no cache may keep.
    const machine = [
      ...headers,
      { key: "Content-Security-Policy", value: "default-src 'none'; frame-ancestors 'none'" },
      { key: "Cache-Control", value: "no-store" },
    ];
    return [
      { source: "/:path*", headers },
      ...[
        "/api/events",
        "/api/events/:path*",
        "/api/streams/:path*",
        "/api/destinations",
        "/api/destinations/:path*",
        "/api/openapi.json",
        "/api/internal/:path*",
        "/api/inbound",
      ].map((source) => ({ source, headers: machine })),
    ];
  },
};

export default config;
