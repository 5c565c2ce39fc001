import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliScript } from "./test-run";

const run = runCliScript;

describe.skipIf(process.env.SPARK_TEST_DRIVER === "postgres")("the user and migrate CLIs", () => {
  let dataDir = "";
  const user = (args: string[], stdin?: string) => run("cli/user.ts", args, { stdin, env: { SPARK_DATA_DIR: dataDir } });

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), "spark-cli-"));
  });
  afterAll(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("creates an admin with the password read from stdin", async () => {
    expect(await user(["create", "Ada@Example.com"], "correct horse battery staple\n")).toEqual({
      code: 0,
      stdout: "Created admin ada@example.com.\n",
      stderr: "",
    });
  });

  it("refuses a second operator with the same email in another case", async () => {
    expect(await user(["create", "ADA@example.com", "--role", "operator"], "another long password\n")).toEqual({
      code: 1,
      stdout: "",
      stderr: "spark: an operator with the email ada@example.com already exists; use 'password' to reset it.\n",
    });
  });

  it("lists operators with their role and status", async () => {
    expect(await user(["list"])).toEqual({ code: 0, stdout: "ada@example.com\tadmin\tactive\n", stderr: "" });
  });

  it("refuses a password shorter than 12 characters in one line", async () => {
    expect(await user(["create", "bob@example.com"], "too short\n")).toEqual({
      code: 1,
      stdout: "",
      stderr: "spark: password: Use at least 12 characters.\n",
    });
  });

  it("names an unknown command in one line", async () => {
    expect(await user(["frobnicate"])).toEqual({
      code: 1,
      stdout: "",
      stderr: "spark: unknown command 'frobnicate'. Usage: npm run user -- <command>\n",
    });
  });

  it("migrate explains a DATABASE_URL that is not a URL in one line", async () => {
    const result = await run("cli/migrate.ts", [], { env: { DATABASE_URL: "nonsense" } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(result.stderr.startsWith("spark: DATABASE_URL is not a URL")).toBe(true);
  });
});
