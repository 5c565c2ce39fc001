/** Where an event came from, as a label with few values: a source ref's kind, never its id. */
export function originOf(source: string | null): string {
  if (source === null) return "code";
  const kind = source.slice(0, source.indexOf(":"));
  return ["code", "sql", "api", "outbox", "inbound", "import"].includes(kind) ? kind : "other";
}
