import type { Db } from "@/db/client";
import type { Logger } from "./logger";

/** What the engine needs from the outside world; the app, the CLI and the tests each build one. */
export type Deps = { db: Db; clock: () => Date; log: Logger };
