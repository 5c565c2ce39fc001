import type { CodeSource } from "./types";

/** Every code source, by name. Add a source by writing its module in spark/sources and listing it here. */
export const codeSources: CodeSource[] = [];
