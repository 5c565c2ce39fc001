import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const drivers = process.env.TEST_DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];

export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL(".", import.meta.url)) } },
  test: {
    include: ["{app,client,components,db,spark,emails,cli,runtime,demo,testing}/**/*.test.{ts,tsx}"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Every file runs once per database driver, so both pass the same suite.
    projects: drivers.map((driver) => ({
      extends: true,
      test: { name: driver, env: { SPARK_TEST_DRIVER: driver } },
    })),
  },
});
