import { describe, expect, it } from "vitest";
import { lineDiff } from "./text-diff";

const changed = (before: string, after: string) => lineDiff(before, after).filter((l) => l.kind !== "same");

describe("lineDiff", () => {
  it("marks only the line added after a last line without a newline", () => {
    expect(changed("<p>Hi</p>\n<p>{{ title }}</p>", "<p>Hi</p>\n<p>{{ title }}</p>\n<p>Bye</p>")).toEqual([
      { kind: "added", text: "<p>Bye</p>" },
    ]);
  });

  it("treats CRLF (a textarea's) and LF (an import's) lines as the same", () => {
    expect(changed("a\r\nb\r\nc", "a\nb\nC\n")).toEqual([
      { kind: "removed", text: "c" },
      { kind: "added", text: "C" },
    ]);
  });

  it("finds nothing changed in equal texts", () => {
    expect(changed("same\ntext", "same\ntext\n")).toEqual([]);
  });
});
