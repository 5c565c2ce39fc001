import { describe, expect, it } from "vitest";
import { safeNext } from "./safe-next";

// Each value is what the page receives: the query string already decoded once.
const decoded = (query: string) => new URLSearchParams(query).get("next");

describe("safeNext", () => {
  it.each([
    ["/", "/"],
    ["/generators", "/generators"],
    ["/events?group=challenge_ends_2d&key=a%20b", "/events?group=challenge_ends_2d&key=a%20b"],
    ["/templates/3#preview", "/templates/3#preview"],
    ["/deliveries?recipient=%C3%BC%40example.com", "/deliveries?recipient=%C3%BC%40example.com"],
    ["/settings/operators", "/settings/operators"],
  ])("keeps the same-origin path %s", (next, expected) => {
    expect(safeNext(next)).toBe(expected);
  });

  it.each([
    ["tab between slashes", decoded("next=/%09/evil.example/phish")],
    ["newline between slashes", decoded("next=/%0a/evil.example")],
    ["carriage return between slashes", decoded("next=/%0d/evil.example")],
    ["leading tab", decoded("next=%09//evil.example")],
    ["NUL", decoded("next=/%00/evil.example")],
    ["DEL", decoded("next=/%7f/evil.example")],
    ["space", decoded("next=/%20/evil.example")],
    ["protocol-relative", "//evil.example"],
    ["protocol-relative with path", "//evil.example/phish"],
    ["slash backslash", "/\\evil.example"],
    ["backslash anywhere", "/foo\\..\\\\evil.example"],
    ["backslash first", "\\\\evil.example"],
    ["encoded slashes", decoded("next=%2f%2fevil.example")],
    ["double-encoded slashes", decoded("next=%252f%252fevil.example")],
    ["double-encoded after a slash", decoded("next=/%252fevil.example")],
    ["encoded backslash", decoded("next=/%255cevil.example")],
    ["encoded tab", decoded("next=/%2509/evil.example")],
    ["ideographic full stop", decoded("next=/%E3%80%82/evil.example")],
    ["fullwidth solidus", decoded("next=/%EF%BC%8Fevil.example")],
    ["fullwidth solidus, raw", "/／evil.example"],
    ["broken percent encoding", "/%E3%80"],
    ["absolute http URL", "http://evil.example/"],
    ["absolute https URL", "https://evil.example/"],
    ["scheme without slashes", "https:evil.example"],
    ["javascript:", "javascript:alert(1)"],
    ["data:", "data:text/html,<script>alert(1)</script>"],
    ["relative path", "generators"],
    ["empty", ""],
    ["missing", undefined],
    ["repeated parameter", ["/a", "/b"]],
  ])("falls back to / for %s", (_name, next) => {
    expect(safeNext(next)).toBe("/");
  });
});
