import type { NextConfig } from "next";

const config: NextConfig = {
  // PGlite ships a wasm file and postgres.js and mysql2 open sockets: they load from node_modules at
  // run time rather than be bundled, or the build copies the wasm into public static files.
  serverExternalPackages: ["@electric-sql/pglite", "postgres", "mysql2"],
  poweredByHeader: false,
  typedRoutes: false,
  // The request proxy sets these (and the CSP) on pages and the API; static files skip the proxy.
  async headers() {
    const headers = [
      { key: "X-Content-Type-Options", value: "nosniff" },
      { key: "X-Frame-Options", value: "DENY" },
      { key: "Referrer-Policy", value: "same-origin" },
    ];
    return [{ source: "/:path*", headers }];
  },
};

export default config;
