import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { findUserByEmail, listUsers } from "@/db/queries/users";
import { createOperator, setOperatorDisabled, setPassword } from "@/spark/accounts/accounts";
import { emailField, passwordField, roleField } from "@/spark/accounts/schemas";
import { liftThrottle } from "@/spark/accounts/throttle";
import { loadConfig } from "@/runtime/config";
import { openRuntime } from "@/runtime/compose";
import { silentLogger } from "@/spark/logger";
import { CliError, runCli } from "./run";

const usage = `Usage: npm run user -- <command>
  create <email> [--role admin|operator]   create an operator (admin by default); password prompted or read from stdin
  password <email>                          set a new password; ends that operator's sessions
  disable <email> | enable <email>          stop or restore an operator's access
  unlock <email>                            lift sign-in throttling for that email, from every client
  list                                      list operators`;

function parseOr<T>(
  schema: {
    safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { message: string }[] } };
  },
  value: unknown,
  what: string,
): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new CliError(`${what}: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  return parsed.data;
}

/** Prompts without echo on a terminal; otherwise reads the first line of stdin, so scripts can pipe it. */
async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    let input = "";
    for await (const chunk of process.stdin) input += String(chunk);
    return input.split(/\r?\n/)[0] ?? "";
  }
  const ask = (prompt: string) =>
    new Promise<string>((resolve) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
      const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput;
      (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s) =>
        write.call(rl, s.startsWith(prompt) ? prompt : "");
      rl.question(prompt, (answer) => {
        rl.close();
        process.stderr.write("\n");
        resolve(answer);
      });
    });
  const first = await ask("Password: ");
  if ((await ask("Repeat the password: ")) !== first)
    throw new CliError("the two passwords differ; run the command again.");
  return first;
}

runCli(async () => {
  const { positionals, values } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { role: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  const [command, rawEmail] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${usage}\n`);
    return values.help ? 0 : 1;
  }
  if (!["create", "password", "disable", "enable", "unlock", "list"].includes(command))
    throw new CliError(`unknown command '${command}'. ${usage.split("\n")[0]}`);
  if (command !== "list" && !rawEmail)
    throw new CliError(`'${command}' needs an email: npm run user -- ${command} ada@example.com`);
  const email = command === "list" ? "" : parseOr(emailField, rawEmail, `'${rawEmail}' is not usable`);
  const role = parseOr(roleField, values.role ?? "admin", `--role '${values.role}'`);
  const password =
    command === "create" || command === "password" ? parseOr(passwordField, await readPassword(), "password") : "";

  const runtime = await openRuntime(loadConfig(), { log: silentLogger });
  const { deps } = runtime;
  try {
    if (command === "list") {
      for (const user of await listUsers(deps.db)) {
        const status = user.disabledAt ? "disabled" : user.passwordHash ? "active" : "invited";
        process.stdout.write(`${user.email}\t${user.role}\t${status}\n`);
      }
      return;
    }
    if (command === "create") {
      const user = await createOperator(deps, { email, password, role, createdBy: null });
      if (!user) throw new CliError(`an operator with the email ${email} already exists; use 'password' to reset it.`);
      process.stdout.write(`Created ${user.role} ${user.email}.\n`);
      return;
    }
    if (command === "unlock") {
      // Failures are kept for unknown emails too, so this does not ask whether the operator exists.
      const forgotten = await liftThrottle(deps, { email });
      process.stdout.write(
        forgotten === 0
          ? `${email} has no failed sign-ins on record.\n`
          : `Forgot ${forgotten} failed sign-in${forgotten === 1 ? "" : "s"} of ${email}; it can sign in from any client now.\n`,
      );
      return;
    }
    const user = await findUserByEmail(deps.db, { email });
    if (!user) throw new CliError(`no operator has the email ${email}; 'npm run user -- list' shows them.`);
    if (command === "password") {
      await setPassword(deps, { userId: user.id, password });
      process.stdout.write(`Password set for ${user.email}; their sessions have ended.\n`);
      return;
    }
    const result = await setOperatorDisabled(deps, {
      actorId: "cli",
      userId: user.id,
      disabled: command === "disable",
    });
    if (result.status === "last-admin")
      throw new CliError(`${user.email} is the last active admin; create another admin first.`);
    process.stdout.write(`${command === "disable" ? "Disabled" : "Enabled"} ${user.email}.\n`);
  } finally {
    await runtime.close();
  }
});
