import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";

export type AppRoute = { kind: "page" | "api"; file: string; path: string; methods: string[] };

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/** A value for each dynamic segment that reaches the page's own code: a valid shape, an unknown row. */
const sample = (segment: string) =>
  segment.startsWith("[...")
    ? "anything"
    : segment === "[token]"
      ? "not-a-real-token"
      : segment === "[id]"
        ? "1"
        : segment;

/**
 * Every page and route handler under app/, read from the files themselves, so a route added later is
 * covered without editing the tests that use this list.
 */
export function listAppRoutes(appDir = join(process.cwd(), "app")): AppRoute[] {
  const routes: AppRoute[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith("_")) walk(full);
        continue;
      }
      if (entry.name !== "page.tsx" && entry.name !== "route.ts") continue;
      const segments = relative(appDir, dir)
        .split(sep)
        .filter((s) => s && !/^\(.*\)$/.test(s))
        .map(sample);
      const path = `/${segments.join("/")}`;
      if (entry.name === "page.tsx") {
        routes.push({ kind: "page", file: relative(process.cwd(), full), path, methods: ["GET"] });
      } else {
        const text = readFileSync(full, "utf8");
        const methods = METHODS.filter((m) =>
          new RegExp(`export (async function|const) ${m}\\b|export \\{[^}]*\\bas ${m}\\b`).test(text),
        );
        routes.push({ kind: "api", file: relative(process.cwd(), full), path, methods });
      }
    }
  };
  walk(appDir);
  return routes.sort((a, b) => a.path.localeCompare(b.path));
}
