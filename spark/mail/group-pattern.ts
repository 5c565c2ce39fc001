/** What an event group may be: letters, digits and _ . : -, up to 100 of them, no spaces. */
export const GROUP_PATTERN = /^[A-Za-z0-9_.:-]{1,100}$/;

/** What a template's group may be: a group's characters plus `*`, up to 100 of them. */
export const GROUP_PATTERN_INPUT = /^[A-Za-z0-9_.:*-]{1,100}$/;

/**
 * A group pattern as an anchored matcher: `*` is any run of characters and everything else is
 * literal. Operators never write a regular expression, so none can be slow or surprising.
 */
export function compileGroupPattern(pattern: string): (group: string) => boolean {
  if (!pattern.includes("*")) return (group) => group === pattern;
  const regex = new RegExp(groupPatternSource(pattern));
  return (group) => regex.test(group);
}

/** The anchored regular-expression source of a group pattern, everything but `*` escaped. */
export function groupPatternSource(pattern: string): string {
  const body = pattern
    .replace(/\*+/g, "*")
    .split("*")
    .map((part) => part.replace(/[.\\^$+?()[\]{}|-]/g, "\\$&"))
    .join(".*");
  return `^${body}$`;
}
