import type { Handler } from "./events/handlers";

/** Handlers registered in code, run in this order on every new event whose group they match. */
export const handlers: Handler[] = [];
