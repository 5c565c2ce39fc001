import { describe, expect, it } from "vitest";
import type { Condition, VariableSpec } from "@/db/schema";
import { checkConditions, compileConditions, formatConditions } from "./conditions";

const variables: Record<string, VariableSpec> = {
  n: { type: "number" },
  s: { type: "string" },
  b: { type: "boolean" },
  t: { type: "timestamp" },
  j: { type: "json" },
};

const passes = (conditions: Condition[], context: Record<string, unknown>) =>
  compileConditions(conditions, variables).test(context);

describe("conditions", () => {
  it("compares numbers as numbers, not as strings", () => {
    expect(passes([{ variable: "n", operator: ">", value: "9" }], { n: 10 })).toBe(true);
    expect(passes([{ variable: "n", operator: "<=", value: "2" }], { n: "2" })).toBe(true);
    expect(passes([{ variable: "n", operator: "=", value: "2.50" }], { n: 2.5 })).toBe(true);
  });

  it("compares timestamps in time, whatever their notation", () => {
    expect(passes([{ variable: "t", operator: "<", value: "2026-01-02" }], { t: "2026-01-01T23:59:59Z" })).toBe(true);
    expect(
      passes([{ variable: "t", operator: ">=", value: "2026-01-02T00:00:00Z" }], { t: "2026-01-01T23:00:00-02:00" }),
    ).toBe(true);
  });

  it("reads booleans from true/false, yes/no and 1/0", () => {
    expect(passes([{ variable: "b", operator: "=", value: "yes" }], { b: true })).toBe(true);
    expect(passes([{ variable: "b", operator: "!=", value: "true" }], { b: false })).toBe(true);
  });

  it("finds text in strings case-insensitively and items in arrays", () => {
    expect(passes([{ variable: "s", operator: "contains", value: "LOVE" }], { s: "Lovelace" })).toBe(true);
    expect(passes([{ variable: "j", operator: "contains", value: "b" }], { j: ["a", "b"] })).toBe(true);
    expect(passes([{ variable: "j", operator: "contains", value: "c" }], { j: ["a", "b"] })).toBe(false);
  });

  it("treats null, empty strings, arrays and objects as empty", () => {
    for (const value of [null, "", [], {}])
      expect(passes([{ variable: "j", operator: "is empty" }], { j: value })).toBe(true);
    expect(passes([{ variable: "s", operator: "is not empty" }], { s: "x" })).toBe(true);
  });

  it("skips a candidate that lacks the variable, whatever the operator", () => {
    for (const operator of [">", "=", "!=", "contains", "is empty", "is not empty"] as const) {
      expect(passes([{ variable: "n", operator, value: "1" }], {})).toBe(false);
    }
  });

  it("lets a null value fail comparisons rather than count as zero", () => {
    expect(passes([{ variable: "n", operator: "<", value: "5" }], { n: null })).toBe(false);
  });

  it("requires every condition", () => {
    const both: Condition[] = [
      { variable: "n", operator: ">", value: "1" },
      { variable: "s", operator: "=", value: "x" },
    ];
    expect(passes(both, { n: 2, s: "x" })).toBe(true);
    expect(passes(both, { n: 2, s: "y" })).toBe(false);
    expect(passes([], {})).toBe(true);
  });

  it("checks each condition against its variable's type and says what to fix", () => {
    expect(
      checkConditions(
        [
          { variable: "n", operator: ">", value: "abc" },
          { variable: "b", operator: ">", value: "true" },
          { variable: "ghost", operator: "=", value: "1" },
          { variable: "t", operator: "<", value: "next week" },
          { variable: "s", operator: "is empty" },
        ],
        variables,
      ),
    ).toEqual([
      { index: 0, field: "value", message: "'abc' is not a number." },
      {
        index: 1,
        field: "operator",
        message: "'>' does not apply to a boolean; use one of =, !=, is empty, is not empty.",
      },
      { index: 2, field: "variable", message: "The source has no variable 'ghost'." },
      {
        index: 3,
        field: "value",
        message: "'next week' is not a date; write it like 2026-01-31 or 2026-01-31T09:00:00Z.",
      },
    ]);
  });

  it("reads back as an operator would write it", () => {
    expect(
      formatConditions([
        { variable: "days_until_end", operator: "<=", value: "2" },
        { variable: "donation_count", operator: "<", value: "2" },
        { variable: "title", operator: "is not empty" },
      ]),
    ).toBe("days_until_end <= 2 && donation_count < 2 && title is not empty");
  });
});
