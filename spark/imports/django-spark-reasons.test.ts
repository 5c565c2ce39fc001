import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { createAppPostgres, testConnections } from "@/testing/connections";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import type { Connections } from "../connections";
import { reportLines } from "./commands";
import { importDjangoSpark } from "./django-spark";

const postgresUrl = process.env.TEST_DATABASE_URL;
const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;

describe.skipIf(!postgresUrl)(`refusals quoting a hostile spark_mails source, imported on ${testDriver}`, () => {
  let database: Database;
  let connections: Connections;
  let site: { target: Parameters<Connections["forTarget"]>[1]; drop: () => Promise<void> };
  const sources: [string, string][] = [
    // A terminal reading the CLI's report would clear its screen and take a new title.
    ["escapes", "Subject\n{% evil\u001b[2J\u001b]0;pwned\u0007 %}\n"],
    ["filter", "Subject\n{{ x|bad\u001b[31mfilter }}\n"],
    // One line of 200k characters, quoted twice in its refusal, for each of up to 200 templates.
    ["enormous", `Subject\n{% ${"x".repeat(200_000)} %}\n`],
    // 35,000 variables: the template checks' time grows with their square (40 s of a blocked server).
    ["variables", `Subject\n${"{{ a }}".repeat(35_000)}\n`],
  ];

  beforeAll(async () => {
    database = await openTestDatabase();
    connections = testConnections(database);
    site = await createAppPostgres(
      postgresUrl!,
      [
        "create table spark_mails_mail (id integer primary key, event_group text not null, template_source text not null)",
        ...sources.map(
          ([group, source], i) => `insert into spark_mails_mail values (${i + 1}, ${quote(group)}, ${quote(source)})`,
        ),
      ].join(";\n"),
    );
  });
  afterAll(async () => {
    await site?.drop();
    await connections?.close();
    await database?.close();
  });

  it(
    "writes control characters as escapes, cuts what a refusal quotes, and refuses a source of too many variables at once",
    { timeout: 20_000 },
    async () => {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 100);
      const started = performance.now();
      const report = await importDjangoSpark(testDeps(database, { connections }), {
        connection: connections.forTarget("hostile", site.target),
        dryRun: false,
        by: null,
      });
      clearInterval(timer);
      // The server's event loop kept turning: no check held it for seconds.
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(ticks).toBeGreaterThan((performance.now() - started) / 100 / 3 - 2);
      expect(report.templates).toMatchObject({ read: 4, refused: 4 });
      const reasons = report.templates.items.map((t) => t.reason ?? "");
      for (const reason of reasons) {
        expect([...reason].filter((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127)).toEqual([]);
        expect(reason.length).toBeLessThanOrEqual(501);
      }
      expect(reasons[0]).toContain("{% evil\\u001b[2J\\u001b]0;pwned\\u0007 %}");
      expect(reasons[1]).toContain("|bad\\u001b[31mfilter");
      expect(reasons[2]).toMatch(/^Line 2: \{% x+… — \{% x+…$/);
      expect(reasons[2]).toHaveLength(501);
      expect(reasons[3]).toBe("The template has 35,000 {{ }} and {% %}; Spark imports templates of up to 2,000.");
      const lines = reportLines(report).join("\n");
      expect(lines).not.toContain("\u001b");
      expect(lines).not.toContain("\u0007");
    },
  );
});
