import type { RawColumn } from "@/db/client";
import type { VariableSpec, VariableType } from "@/db/schema";

export type { VariableSpec, VariableType };

// Postgres type OIDs, grouped by the variable type a condition compares them as.
const NUMBER_OIDS = new Set([20, 21, 23, 26, 700, 701, 790, 1700]);
const BOOLEAN_OIDS = new Set([16]);
const TIMESTAMP_OIDS = new Set([1082, 1083, 1114, 1184, 1266]);
const JSON_OIDS = new Set([114, 3802]);

export function variableTypeOfOid(oid: number): VariableType {
  if (NUMBER_OIDS.has(oid)) return "number";
  if (BOOLEAN_OIDS.has(oid)) return "boolean";
  if (TIMESTAMP_OIDS.has(oid)) return "timestamp";
  if (JSON_OIDS.has(oid)) return "json";
  return "string";
}

export function variablesOfColumns(columns: RawColumn[]): Record<string, VariableSpec> {
  return Object.fromEntries(columns.map((c) => [c.name, { type: variableTypeOfOid(c.oid) }]));
}

/**
 * Drivers hand back int8 and numeric as strings or bigints, and dates as Date objects; a context is
 * JSON, so numbers become numbers where they fit and timestamps become ISO strings.
 */
export function normalizeValue(value: unknown, type: VariableType): unknown {
  if (value === null || value === undefined) return null;
  if (type === "number") {
    if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    if (typeof value === "string") {
      const n = Number(value);
      return Number.isFinite(n) && (Number.isSafeInteger(n) || !/^-?\d+$/.test(value)) ? n : value;
    }
    return value;
  }
  if (type === "timestamp" && value instanceof Date) return value.toISOString();
  return value;
}
