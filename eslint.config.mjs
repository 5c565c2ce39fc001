import js from "@eslint/js";
import nextPlugin from "@next/eslint-plugin-next";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

// The engine, the database layer and mail rendering must run outside Next (CLI, tests, benchmarks),
// so they may not reach for the framework, React, or the app's own UI.
const frameworkFree = {
  paths: [
    { name: "react", message: "spark/, db/ and emails/ stay free of React; move UI code to components/." },
    { name: "react-dom", message: "spark/, db/ and emails/ stay free of React." },
    {
      name: "server-only",
      message: "spark/, db/ and emails/ must be importable from tests and the CLI; mark the app/ module instead.",
    },
  ],
  patterns: [
    {
      group: ["next", "next/*"],
      message: "spark/, db/ and emails/ never import next/*; pass what they need in as arguments.",
    },
    {
      group: ["@/app/*", "@/components/*", "**/app/*", "**/components/*"],
      message: "Dependencies point one way: app/ and components/ import spark/, not the reverse.",
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      ".next/**",
      "node_modules/**",
      "next-env.d.ts",
      "db/migrations/**",
      "test-results/**",
      "playwright-report/**",
      ".e2e/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks, "@next/next": nextPlugin },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...nextPlugin.configs.recommended.rules,
      ...nextPlugin.configs["core-web-vitals"].rules,
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
    },
  },
  {
    // Playwright fixtures take `{}` and call `use`, which is not React's hook.
    files: ["e2e/**"],
    rules: { "react-hooks/rules-of-hooks": "off", "no-empty-pattern": "off" },
  },
  {
    files: ["spark/**", "db/**", "emails/**"],
    rules: { "no-restricted-imports": ["error", frameworkFree] },
  },
  // Reads in one place, writes through the engine: a page asks its view-model in app/_views for what it
  // shows, and components only draw what they are handed, so neither reaches into the database layer.
  {
    files: ["app/**"],
    ignores: ["app/_views/**", "app/_server/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@/db", "@/db/*", "**/db/*"],
              message: "Pages and components read through app/_views and write through the engine (spark/).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["components/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@/db", "@/db/*", "**/db/*"],
              message: "Pages and components read through app/_views and write through the engine (spark/).",
            },
            {
              group: ["@/app/_views", "@/app/_views/*", "**/_views/*"],
              message: "Components draw what their page hands them; only pages ask app/_views (it reads the database).",
            },
          ],
        },
      ],
    },
  },
  // The typescript-eslint twin of the rule, so this holds on top of the blocks above instead of
  // replacing them (ESLint keeps only the last block's options for one rule).
  {
    files: ["**/*.{ts,tsx,mts,cts,js,mjs}"],
    ignores: ["**/*.test.ts", "**/*.test.tsx", "e2e/**", "bench/**", "reliability/**", "testing/**"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@/testing", "@/testing/*", "**/testing/*"],
              message: "testing/ holds test helpers; production code cannot import them",
            },
          ],
        },
      ],
    },
  },
);
