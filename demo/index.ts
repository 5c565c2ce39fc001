import type { CodeSource } from "@/spark/sources/types";
import { challengesSource } from "./challenges";

/** The demo's code sources, registered at start while SPARK_DEMO is on (the default). */
// A source narrows its candidate type; the engine only reads `id` and hands each candidate back to the source that made it.
export const demoSources: CodeSource[] = [challengesSource as unknown as CodeSource];

export { seedDemo, seedDemoData } from "./seed";
