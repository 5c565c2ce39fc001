import { challengesSource } from "../../demo/challenges";
import type { CodeSource } from "./types";

/** Every code source, by name. Add a source by writing its module in spark/sources and listing it here. */
export const codeSources: CodeSource[] = [
  // A source narrows its candidate type; the engine only reads `id` and hands each candidate back to the source that made it.
  challengesSource as unknown as CodeSource,
];
