import { describe, expect, it } from "vitest";
import { printable, translateDjangoSparkKey } from "./keys";

const row = (key: string, group: string) => ({ key, keyLength: key.length, group });

describe("django-spark keys in Spark's terms", () => {
  it("django-spark's README keys (<group>_<pk>) become <group>:<pk>, by the row's own group when Spark has no generator for it", () => {
    expect(translateDjangoSparkKey(row("challenge_created_17", "challenge_created"), [])).toEqual({
      kind: "translated",
      group: "challenge_created",
      key: "challenge_created:17",
    });
  });

  it("reads a key by the longest group it starts with: challenge_ends_2d_17 is challenge_ends_2d and 17", () => {
    const known = ["challenge", "challenge_ends", "challenge_ends_2d"];
    expect(translateDjangoSparkKey(row("challenge_ends_2d_17", "challenge_ends_2d"), known)).toMatchObject({
      key: "challenge_ends_2d:17",
    });
    expect(translateDjangoSparkKey(row("challenge_ends_17", "challenge_ends"), known)).toMatchObject({
      key: "challenge_ends:17",
    });
  });

  it("reports a key whose group column and longest group disagree as ambiguous, naming every reading", () => {
    const outcome = translateDjangoSparkKey(row("a_b_c_1", "elsewhere"), ["a", "a_b", "a_b_c"]);
    expect(outcome).toMatchObject({ kind: "skipped", why: "ambiguous" });
    expect(outcome.kind === "skipped" && outcome.reason).toBe(
      "The key reads as a_b_c:1 or a_b:c_1 or a:b_c_1, and its group (elsewhere) does not say which.",
    );
  });

  it("keeps a key that starts with no group as it is, under its own group", () => {
    expect(translateDjangoSparkKey(row("welcome-ada@example.com", "welcome"), ["challenge_created"])).toEqual({
      kind: "kept",
      group: "welcome",
      key: "welcome-ada@example.com",
    });
    // A group followed by nothing is no pk.
    expect(translateDjangoSparkKey(row("signup_", "signup"), [])).toMatchObject({ kind: "kept", key: "signup_" });
  });

  it("skips keys with control characters, NUL, line separators or half a surrogate pair, which jsonb would refuse", () => {
    for (const key of ["a_1\u0000", "a_1\u001b[2J", "a_1\u2028", "a_1\ud800", "a_\udc001"])
      expect(translateDjangoSparkKey(row(key, "a"), ["a"]), JSON.stringify(key)).toMatchObject({
        kind: "skipped",
        why: "unreadable characters",
      });
    expect(translateDjangoSparkKey(row("a_\ud83d\ude00", "a"), ["a"])).toMatchObject({ kind: "translated" });
  });

  it("skips enormous keys by their length in the source, even when only their start was read", () => {
    expect(translateDjangoSparkKey({ key: "a_1", keyLength: 5_000_000, group: "a" }, ["a"])).toMatchObject({
      kind: "skipped",
      why: "too long",
    });
  });

  it("shows hostile text quoted, escaped and short", () => {
    expect(printable("a\u0007b\u2028c")).toBe('"a\\u0007b\\u2028c"');
    expect(printable("x".repeat(10_000))).toBe(`"${"x".repeat(120)}…"`);
  });
});
