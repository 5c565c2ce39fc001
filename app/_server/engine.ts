import "server-only";

export { getEngine, StoppingError, type Engine } from "./boot";
