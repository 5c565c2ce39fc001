import { describe, expect, it } from "vitest";
import { createHandlerMatcher } from "../events/handlers";
import { compileGroupPattern, groupPatternSource } from "./group-pattern";

describe("template group patterns", () => {
  it("match a group exactly, or with * as any run of characters, and nothing else is special", () => {
    expect(compileGroupPattern("challenge_created")("challenge_created")).toBe(true);
    expect(compileGroupPattern("challenge_created")("challenge_created_2")).toBe(false);
    const wild = compileGroupPattern("challenge_*");
    expect(["challenge_", "challenge_ended", "challenge_ends_2d"].every(wild)).toBe(true);
    expect(wild("my_challenge_ended")).toBe(false);
    expect(compileGroupPattern("a.b")("axb")).toBe(false);
    expect(compileGroupPattern("*:*")("orders:paid")).toBe(true);
  });

  it("combine into one matcher that answers only the groups some template wants", () => {
    const group = new RegExp(["signup", "challenge_*"].map(groupPatternSource).join("|"));
    const matcher = createHandlerMatcher([{ name: "mail", group, handle: () => {} }]);
    expect(matcher("signup")).toHaveLength(1);
    expect(matcher("challenge_ended")).toHaveLength(1);
    expect(matcher("signup_later")).toHaveLength(0);
    expect(matcher("audit")).toHaveLength(0);
  });
});
