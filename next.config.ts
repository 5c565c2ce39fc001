import type { NextConfig } from "next";

const config: NextConfig = {
  // PGlite ships a wasm file and postgres.js opens sockets: both must load from node_modules at run
  // time rather than be bundled, or the build copies the wasm into public static files.
  serverExternalPackages: ["@electric-sql/pglite", "postgres"],
  poweredByHeader: false,
  typedRoutes: false,
};

export default config;
