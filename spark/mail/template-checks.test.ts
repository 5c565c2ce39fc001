import { SAMPLE_CONNECTION_ID } from "@/db/queries/connections";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { insertNewEvents } from "@/db/queries/events";
import { insertGenerator } from "@/db/queries/generators";
import { insertSqlSource } from "@/db/queries/sql-sources";
import { deliveries, mailTemplates } from "@/db/schema";
import { openTestDatabase, testDriver } from "@/testing/database";
import { runJob } from "../job/job";
import type { CodeSource } from "../sources/types";
import { testDeps } from "@/testing/deps";
import { demoSources } from "@/demo";
import { saveTemplate, setTemplateActive, templateInput, type TemplateFields } from "./templates";

const settings = { mail: { defaultFrom: "Spark <spark@example.com>" } };
const input = (over: Partial<TemplateFields>): TemplateFields =>
  templateInput.parse({
    name: "Ends soon",
    group: "challenge_ends_2d",
    active: true,
    from: "",
    to: "{{ owner_email }}",
    cc: "",
    bcc: "",
    replyTo: "",
    subject: "{{ title }} ends soon",
    html: "<p>Hi {{ owner_name }}</p>",
    text: "",
    layout: "",
    ...over,
  });

const people = {
  name: "people",
  label: "people",
  description: "test rows",
  variables: { email: { type: "string" } },
  async *candidates() {
    yield [{ id: 1 }, { id: 2 }, { id: 3 }];
  },
  context: (row: { id: number }) => ({ email: `p${row.id}@example.com` }),
} satisfies CodeSource<{ id: number }>;

describe(`templates checked against their events on ${testDriver}`, () => {
  let database: Database;
  const clock = () => new Date("2030-01-01T00:00:00Z");
  const deps = () => testDeps(database, { clock, settings, sources: demoSources });
  beforeAll(async () => {
    database = await openTestDatabase();
    // The demo's code source feeds challenge_ends_2d; a SQL source and recorded events feed sql_group.
    await insertGenerator(database.db, {
      name: "ends",
      group: "challenge_ends_2d",
      source: "code:challenges",
      conditions: [],
    });
    const sqlSource = await insertSqlSource(database.db, {
      name: "orders",
      description: "",
      connectionId: SAMPLE_CONNECTION_ID,
      query: "select 1 as id",
      variables: { order_no: { type: "number" }, customer: { type: "json" } },
    });
    await insertGenerator(database.db, {
      name: "orders",
      group: "sql_group",
      source: `sql:${sqlSource!.id}`,
      conditions: [],
    });
    await insertNewEvents(database.db, {
      events: [
        {
          group: "sql_group",
          key: "sql_group:1",
          context: { order_no: 7, customer: { name: "Ada", email: "ada@example.com" }, lines: [{ sku: "x" }] },
          generatorId: null,
          source: null,
        },
      ],
      jobRunId: null,
    });
  });
  afterAll(async () => {
    await database?.close();
  });

  it.each([
    [
      "names every unknown variable of a code source's group, under its field, with those that exist",
      input({ subject: "{{ challenge.titel }} ends", html: "<p>{{ onwer_name }} {{ title }}</p>{{ also_missing }}" }),
      {
        subject: [
          "`challenge.titel` is not a variable of challenge_ends_2d; it has title, created_at, days_since_start, days_until_end, donation_count, donation_total, ends_at, has_ended, has_started, owner_email, owner_name, participants, … (line 1, column 4)",
        ],
        html: [
          expect.stringMatching(
            /^`onwer_name` is not a variable of challenge_ends_2d; it has owner_name, .* \(line 1, column 7\); `also_missing` is not a variable of challenge_ends_2d; it has .* \(line 1, column 39\)$/,
          ),
        ],
      },
    ],
    [
      "checks inside a JSON variable that recorded events show, and not past a value",
      input({
        group: "sql_group",
        to: "{{ customer.email }}",
        subject: "Order {{ order_no }} {{ order_no.size }}",
        html: "{{ customer.nmae }}{% for l in lines %}{{ l.sku }}{% endfor %}",
      }),
      {
        html: [
          expect.stringMatching(
            /^`customer.nmae` is not a variable of sql_group; it has customer.name, customer, customer.email, lines, order_no \(line 1, column 4\)$/,
          ),
        ],
      },
    ],
  ])("%s", async (_, template, fieldErrors) => {
    expect(await saveTemplate(deps(), { input: template, by: null })).toEqual({
      status: "invalid",
      fieldErrors,
    });
  });

  it("does not call loop variables, assigns or captures unknown", async () => {
    const result = await saveTemplate(deps(), {
      input: input({
        name: "Locals",
        html: "{% assign who = owner_name %}{% capture x %}{{ who }}{% endcapture %}{% for p in participants %}{{ p.name }}{{ forloop.index }}{% endfor %}{{ x }}",
      }),
      by: null,
    });
    expect(result).toMatchObject({ status: "ok", template: { active: true, draftReason: null } });
  });

  it("keeps a template that does not render on the newest event as an inactive draft, and refuses to activate it", async () => {
    const result = await saveTemplate(deps(), {
      input: input({
        name: "Draft",
        group: "sql_group",
        to: "{{ customer.name }}",
        subject: "Order {{ order_no }}",
        html: "<p>{{ customer.name }}</p>",
      }),
      by: null,
    });
    if (result.status !== "ok") throw new Error(JSON.stringify(result));
    expect(result.template).toMatchObject({
      active: false,
      draftReason: expect.stringMatching(
        /^It does not render on the event sql_group:1: To: 'Ada' is not an email address.$/,
      ),
    });
    const refused = await setTemplateActive(deps(), { id: result.template.id, active: true });
    expect(refused).toEqual({ ok: false, message: `“Draft” stays an inactive draft. ${result.template.draftReason}` });
    const [row] = await database.db.select().from(mailTemplates).where(eq(mailTemplates.id, result.template.id));
    expect(row).toMatchObject({ active: false, draftReason: result.template.draftReason });
  });

  it("counts mail that did not render as dead in the job summary", async () => {
    await insertGenerator(database.db, { name: "people", group: "people", source: "code:people", conditions: [] });
    // Written straight to the table: the save checks would refuse it.
    await database.db
      .insert(mailTemplates)
      .values({ name: "Broken", groupPattern: "people", subject: "Hi", toAddress: "{{ email }}", text: "{{ nope }}" });
    const summary = await runJob(testDeps(database, { clock, settings, sources: [people as unknown as CodeSource] }), {
      trigger: "manual",
    });
    // The other groups' generators fail here (their sources are not given to this pass); the people events record.
    expect(summary).toMatchObject({ groups: { people: { recorded: 3 } }, deliveries: { sent: 0, failed: 0, dead: 3 } });
    const dead = await database.db.select().from(deliveries).where(eq(deliveries.status, "dead"));
    expect(dead.map((d) => d.lastError)).toEqual(
      Array(3).fill("Template “Broken”, Text body: `nope` is not defined (line 1, column 4)"),
    );
  });
});
