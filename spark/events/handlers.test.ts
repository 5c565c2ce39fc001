import { describe, expect, it } from "vitest";
import { checkHandlers, createHandlerMatcher, type Handler } from "./handlers";

const handler = (name: string, group: RegExp | string): Handler => ({ name, group, handle: () => {} });

describe("registering handlers", () => {
  it("django-spark: a pattern written for Python's re is refused when registered, naming the handler and the fix", () => {
    expect(() => checkHandlers([handler("ok", "^signup"), handler("legacy", "^(?P<kind>challenge)_ends$")])).toThrow(
      /The handler "legacy" has a group pattern JavaScript cannot read, "\^\(\?P<kind>challenge\)_ends\$".*\(\?<name>…\)/,
    );
  });

  it("refuses two handlers with one name, which would make their failures indistinguishable", () => {
    expect(() => checkHandlers([handler("mail-ish", "a"), handler("mail-ish", "b")])).toThrow(
      'Two handlers are named "mail-ish"',
    );
  });

  it("accepts valid patterns, strings and regular expressions alike, and matches them unanchored like re.search", () => {
    const handlers = [handler("one", "challenge"), handler("two", /^user_(?<what>created)$/g)];
    expect(() => checkHandlers(handlers)).not.toThrow();
    const match = createHandlerMatcher(handlers);
    expect(match("challenge_created").map((h) => h.name)).toEqual(["one"]);
    expect(match("user_created").map((h) => h.name)).toEqual(["two"]);
    expect(match("user_created").map((h) => h.name)).toEqual(["two"]);
  });
});
