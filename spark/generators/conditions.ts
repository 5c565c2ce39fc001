import type { Condition, ConditionOperator, VariableSpec, VariableType } from "@/db/schema";

export type { Condition, ConditionOperator };

const ORDERED: ConditionOperator[] = [">", "<", ">=", "<="];
const EQUALITY: ConditionOperator[] = ["=", "!="];
const EMPTINESS: ConditionOperator[] = ["is empty", "is not empty"];

/** Which operators make sense for a variable's type; the form offers only these. */
export const operatorsByType: Record<VariableType, ConditionOperator[]> = {
  number: [...ORDERED, ...EQUALITY, ...EMPTINESS],
  timestamp: [...ORDERED, ...EQUALITY, ...EMPTINESS],
  string: [...EQUALITY, "contains", ...ORDERED, ...EMPTINESS],
  boolean: [...EQUALITY, ...EMPTINESS],
  json: ["contains", ...EMPTINESS],
};

export const takesNoValue = (operator: ConditionOperator) => operator === "is empty" || operator === "is not empty";

type Parsed = number | string | boolean;

/** A condition's value typed by its variable: "2" is the number 2 for a number variable, and so on. */
export function parseConditionValue(
  raw: string | undefined,
  type: VariableType,
): { ok: true; value: Parsed } | { ok: false; message: string } {
  const text = (raw ?? "").trim();
  switch (type) {
    case "number": {
      const n = Number(text);
      return text !== "" && Number.isFinite(n)
        ? { ok: true, value: n }
        : { ok: false, message: `'${text}' is not a number.` };
    }
    case "boolean":
      if (/^(true|yes|1)$/i.test(text)) return { ok: true, value: true };
      if (/^(false|no|0)$/i.test(text)) return { ok: true, value: false };
      return { ok: false, message: `'${text}' is not true or false.` };
    case "timestamp": {
      const t = Date.parse(text);
      return text !== "" && !Number.isNaN(t)
        ? { ok: true, value: t }
        : { ok: false, message: `'${text}' is not a date; write it like 2026-01-31 or 2026-01-31T09:00:00Z.` };
    }
    default:
      return text === "" ? { ok: false, message: "Enter a value." } : { ok: true, value: text };
  }
}

export type ConditionProblem = { index: number; field: "variable" | "operator" | "value"; message: string };

/** Every problem with a generator's conditions against its source's variables, one per condition row. */
export function checkConditions(conditions: Condition[], variables: Record<string, VariableSpec>): ConditionProblem[] {
  const problems: ConditionProblem[] = [];
  conditions.forEach((condition, index) => {
    const spec = variables[condition.variable];
    if (!spec) {
      problems.push({ index, field: "variable", message: `The source has no variable '${condition.variable}'.` });
      return;
    }
    if (!operatorsByType[spec.type].includes(condition.operator)) {
      problems.push({
        index,
        field: "operator",
        message: `'${condition.operator}' does not apply to a ${spec.type}; use one of ${operatorsByType[spec.type].join(", ")}.`,
      });
      return;
    }
    if (takesNoValue(condition.operator)) return;
    const parsed = parseConditionValue(condition.value, spec.type === "json" ? "string" : spec.type);
    if (!parsed.ok) problems.push({ index, field: "value", message: parsed.message });
  });
  return problems;
}

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === "") return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === "object" && !(value instanceof Date)) return Object.keys(value).length === 0;
  return false;
}

function comparable(value: unknown, type: VariableType): Parsed | null {
  if (value === null || value === undefined) return null;
  if (type === "timestamp") {
    const t = value instanceof Date ? value.getTime() : Date.parse(String(value));
    return Number.isNaN(t) ? null : t;
  }
  if (type === "number") {
    const n = typeof value === "number" ? value : Number(value);
    return Number.isFinite(n) ? n : null;
  }
  if (type === "boolean")
    return typeof value === "boolean" ? value : value === "true" ? true : value === "false" ? false : null;
  return typeof value === "string" ? value : JSON.stringify(value);
}

export type CandidateTest = (context: Record<string, unknown>) => boolean;

/**
 * Compiles conditions once into one test for many candidates. All must hold; a candidate whose
 * context lacks a variable is skipped, as in spark_generators. Call checkConditions first.
 */
export function compileConditions(
  conditions: Condition[],
  variables: Record<string, VariableSpec>,
): { test: CandidateTest; tests: CandidateTest[] } {
  const tests = conditions.map((condition): CandidateTest => {
    const type = variables[condition.variable]?.type ?? "string";
    const name = condition.variable;
    const has = (context: Record<string, unknown>) => Object.hasOwn(context, name) && context[name] !== undefined;
    if (condition.operator === "is empty") return (c) => has(c) && isEmpty(c[name]);
    if (condition.operator === "is not empty") return (c) => has(c) && !isEmpty(c[name]);
    const parsed = parseConditionValue(condition.value, type === "json" ? "string" : type);
    if (!parsed.ok) return () => false;
    const expected = parsed.value;
    if (condition.operator === "contains") {
      const needle = String(expected).toLowerCase();
      return (c) => {
        if (!has(c)) return false;
        const value = c[name];
        if (Array.isArray(value)) return value.some((item) => String(item).toLowerCase() === needle);
        const text = typeof value === "string" ? value : value === null ? "" : JSON.stringify(value);
        return text.toLowerCase().includes(needle);
      };
    }
    const compare = compareWith(condition.operator, expected);
    return (c) => {
      if (!has(c)) return false;
      const actual = comparable(c[name], type);
      return actual !== null && compare(actual);
    };
  });
  return { tests, test: (context) => tests.every((t) => t(context)) };
}

function compareWith(operator: ConditionOperator, expected: Parsed): (actual: Parsed) => boolean {
  switch (operator) {
    case ">":
      return (a) => a > expected;
    case "<":
      return (a) => a < expected;
    case ">=":
      return (a) => a >= expected;
    case "<=":
      return (a) => a <= expected;
    case "=":
      return (a) => a === expected;
    case "!=":
      return (a) => a !== expected;
    default:
      return () => false;
  }
}

/** Conditions as an operator reads them: `days_until_end <= 2 && donation_count < 2`. */
export function formatConditions(conditions: Condition[]): string {
  if (conditions.length === 0) return "every candidate";
  return conditions
    .map((c) =>
      takesNoValue(c.operator) ? `${c.variable} ${c.operator}` : `${c.variable} ${c.operator} ${c.value ?? ""}`,
    )
    .join(" && ");
}
