// The worker's entry point, in plain JavaScript: Node 20 does not apply `--import tsx` to a worker's
// own entry, so this one registers tsx and loads the TypeScript worker through it.
import { tsImport } from "tsx/esm/api";

await tsImport("./render-worker.ts", import.meta.url);
