import { describe, expect, it } from "vitest";
import { isPostgresNullSocketError } from "./postgres-guard";

describe("the postgres.js null-socket guard", () => {
  it("recognises only postgres.js's write to a dropped socket", () => {
    const bug = new TypeError("Cannot read properties of null (reading 'write')");
    bug.stack = `${bug.message}\n    at Immediate.nextWrite (file:///app/node_modules/postgres/src/connection.js:255:22)`;
    expect(isPostgresNullSocketError(bug)).toBe(true);
    const elsewhere = new TypeError("Cannot read properties of null (reading 'write')");
    elsewhere.stack = `${elsewhere.message}\n    at render (file:///app/spark/job.ts:10:1)`;
    expect(isPostgresNullSocketError(elsewhere)).toBe(false);
    expect(isPostgresNullSocketError(new Error("connection terminated"))).toBe(false);
  });
});
