/** `%` and `_` typed by an operator are literal characters in a LIKE pattern, not wildcards. */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
