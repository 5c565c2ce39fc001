import "server-only";

export { getEngine, type Engine } from "./boot";
