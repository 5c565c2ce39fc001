import { GROUP_PATTERN } from "../mail/group-pattern";
import { eventKeyOf } from "../events/keys";
import { MAX_KEY_CHARS } from "./django-spark-source";

/** What becomes of one of django-spark's handled keys. */
export type KeyOutcome =
  | { kind: "translated"; group: string; key: string }
  | { kind: "kept"; group: string; key: string }
  | { kind: "skipped"; reason: string; why: SkipReason };

export type SkipReason = "empty" | "too long" | "unreadable characters" | "not a group" | "ambiguous";

// Control characters (NUL among them, which PostgreSQL text cannot hold) and line separators: a key
// holding them could not be shown, searched or typed, and the same text with them is a different key.
const UNREADABLE = /[\p{Cc}\u2028\u2029]/u;

// A half of a surrogate pair alone: jsonb refuses it, so one such key would fail the whole batch.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const readable = (value: string) => !LONE_SURROGATE.test(value) && !UNREADABLE.test(value);

/**
 * django-spark keys its events `<group>_<pk>` (its README's `'challenge_ends_2d_%s' % challenge.pk`),
 * Spark `<group>:<id>`. A key is read as every group it could start with, among the groups of Spark's
 * generators and the group django-spark stored with it, longest first (`challenge_ends_2d_17` is group
 * `challenge_ends_2d` and pk `17`, not `challenge_ends` and `2d_17`). When the longest reading is not
 * the row's own group and another reading exists, nothing says which was meant: the key is skipped as
 * ambiguous, naming the readings, rather than guessed. A key that starts with no group is kept as it is,
 * under its own group, which still stops a producer or outbox that sends the same key.
 */
export function translateDjangoSparkKey(
  row: { key: string; keyLength: number; group: string },
  knownGroups: readonly string[],
): KeyOutcome {
  const { key, group } = row;
  if (row.keyLength > MAX_KEY_CHARS || key.length > MAX_KEY_CHARS)
    return {
      kind: "skipped",
      why: "too long",
      reason: `The key is ${row.keyLength} characters long; Spark reads keys of up to ${MAX_KEY_CHARS}.`,
    };
  if (key.trim() === "") return { kind: "skipped", why: "empty", reason: "The key is empty." };
  if (!readable(key))
    return {
      kind: "skipped",
      why: "unreadable characters",
      reason: "The key holds control characters or broken Unicode.",
    };
  if (!GROUP_PATTERN.test(group))
    return {
      kind: "skipped",
      why: "not a group",
      reason: `Its group ${printable(group)} is not a Spark group (letters, digits and _ . : -, at most 100).`,
    };
  const readings = [...new Set([...knownGroups, group])]
    .filter((g) => g !== "" && key.length > g.length + 1 && key.startsWith(`${g}_`))
    .sort((a, b) => b.length - a.length || a.localeCompare(b));
  if (readings.length === 0) return { kind: "kept", group, key };
  const [longest] = readings as [string, ...string[]];
  if (readings.length > 1 && longest !== group)
    return {
      kind: "skipped",
      why: "ambiguous",
      reason: `The key reads as ${readings
        .slice(0, 4)
        .map((g) => eventKeyOf(g, key.slice(g.length + 1)))
        .join(" or ")}, and its group (${group}) does not say which.`,
    };
  return { kind: "translated", group: longest, key: eventKeyOf(longest, key.slice(longest.length + 1)) };
}

/** A value from the source as a report may show it: quoted, control characters escaped, at most `max` characters. */
export function printable(value: string, max = 120): string {
  const chars = Array.from(value.slice(0, max * 2 + 2));
  const cut = chars.length > max ? `${chars.slice(0, max).join("")}…` : chars.join("");
  return JSON.stringify(cut)
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}
