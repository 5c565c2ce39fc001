/** What a template's group may be: a group's characters plus `*`, up to 100 of them. */
export const GROUP_PATTERN_INPUT = /^[A-Za-z0-9_.:*-]{1,100}$/;

/**
 * A group pattern as an anchored matcher: `*` is any run of characters and everything else is
 * literal. Operators never write a regular expression, so none can be slow or surprising.
 */
export function compileGroupPattern(pattern: string): (group: string) => boolean {
  if (!pattern.includes("*")) return (group) => group === pattern;
  const source = pattern
    .replace(/\*+/g, "*")
    .split("*")
    .map((part) => part.replace(/[.\\^$+?()[\]{}|-]/g, "\\$&"))
    .join(".*");
  const regex = new RegExp(`^${source}$`);
  return (group) => regex.test(group);
}
