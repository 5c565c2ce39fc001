import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The fault suite: real PostgreSQL (TEST_DATABASE_URL), pass processes, an SMTP sink it can break.
export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL(".", import.meta.url)) } },
  test: {
    include: ["reliability/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
