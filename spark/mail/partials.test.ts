import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { insertNewEvents } from "@/db/queries/events";
import { listPartialVersions } from "@/db/queries/partials";
import { openTestDatabase, testDriver } from "@/testing/database";
import {
  deletePartial,
  partialInput,
  previewPartial,
  restorePartialVersion,
  savePartial,
  type PartialInput,
} from "./partials";
import { previewTemplate, saveTemplate, templateInput, type TemplateFields } from "./templates";
import { testDeps } from "@/testing/deps";

const settings = { mail: { defaultFrom: "Spark <spark@example.com>" } };
const template = (over: Partial<TemplateFields> = {}): TemplateFields =>
  templateInput.parse({
    name: "Welcome",
    group: "signup",
    active: true,
    from: "",
    to: "{{ email }}",
    cc: "",
    bcc: "",
    replyTo: "",
    subject: "Hi {{ name }}",
    html: "<p>Hi {{ name }}</p>",
    text: "",
    layout: "",
    ...over,
  });

describe(`stored partials and layouts on ${testDriver}`, () => {
  let database: Database;
  const clock = () => new Date("2030-01-01T00:00:00Z");
  const deps = () => testDeps(database, { clock, settings });
  const save = (input: PartialInput, id?: string) => savePartial(deps(), { id, input, by: null });
  const saved = async (input: PartialInput) => {
    const result = await save(input);
    if (result.status !== "ok") throw new Error(JSON.stringify(result));
    return result.partial;
  };
  beforeAll(async () => {
    database = await openTestDatabase();
    await insertNewEvents(database.db, {
      events: [
        {
          group: "signup",
          key: "signup:1",
          context: { name: "Ada", email: "ada@example.com" },
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

  it("a template uses a stored layout and partial; the preview shows both", async () => {
    await saved({ name: "sign-off", kind: "partial", body: "<p>Bye {{ name }}</p>" });
    await saved({
      name: "frame",
      kind: "layout",
      body: "<main data-frame>{{ content }}{% include 'sign-off' %}</main>",
    });
    const preview = await previewTemplate(deps(), {
      fields: template({ layout: "frame", html: "<p>Hi {{ name }}</p>" }),
      context: { kind: "event", eventId: null },
    });
    expect(preview.fieldErrors).toEqual({});
    expect(preview.mail!.html).toContain("<main data-frame><p>Hi Ada</p><p>Bye Ada</p></main>");
    expect(await saveTemplate(deps(), { input: template({ layout: "frame" }), by: null })).toMatchObject({
      status: "ok",
      template: { layout: "frame", active: true, draftReason: null },
    });
  });

  it.each([
    [
      { name: "../etc", kind: "partial", body: "" },
      "name",
      "Use lowercase letters, digits, _ - and . (starting with a letter or digit); no slashes or spaces.",
    ],
    [{ name: "broken", kind: "partial", body: "{% if x %}" }, "body", "Tag {% if x %} not closed (line 1, column 1)"],
    [
      { name: "reads-file", kind: "partial", body: "{% include 'package.json' %}" },
      "body",
      "There is no partial named `package.json`; Templates → Partials lists them (line 1, column 1)",
    ],
    [
      { name: "bare", kind: "layout", body: "<div></div>" },
      "body",
      "A layout places the mail's HTML body with {{ content }}; add it where the body goes.",
    ],
    [
      { name: "loop", kind: "partial", body: "{% include 'loop' %}" },
      "body",
      "It would include itself: loop → loop; remove one of those includes.",
    ],
  ] as const)("refuses %j under %s", async (input, field, message) => {
    const parsed = partialInput.safeParse(input);
    const result = parsed.success
      ? await save(parsed.data)
      : {
          status: "invalid",
          fieldErrors: { [String(parsed.error.issues[0]!.path[0])]: [parsed.error.issues[0]!.message] },
        };
    expect(result).toEqual({ status: "invalid", fieldErrors: { [field]: [message] } });
  });

  it("refuses a cycle through other partials", async () => {
    const a = await saved({ name: "a", kind: "partial", body: "A" });
    await saved({ name: "b", kind: "partial", body: "{% include 'a' %}" });
    expect(await save({ name: "a", kind: "partial", body: "{% include 'b' %}" }, a.id)).toEqual({
      status: "invalid",
      fieldErrors: { body: ["It would include itself: a → b → a; remove one of those includes."] },
    });
  });

  it("refuses to delete, rename or change the kind of what is in use, naming its users", async () => {
    const partials = await database.db.query.partials.findMany();
    const signOff = partials.find((p) => p.name === "sign-off")!;
    const frame = partials.find((p) => p.name === "frame")!;
    expect(await deletePartial(deps(), { id: frame.id })).toEqual({
      ok: false,
      message: "“frame” is used by templates Welcome; change them first.",
    });
    expect(await deletePartial(deps(), { id: signOff.id })).toEqual({
      ok: false,
      message: "“sign-off” is used by partials frame; change them first.",
    });
    expect(await save({ name: "goodbye", kind: "partial", body: "x" }, signOff.id)).toEqual({
      status: "invalid",
      fieldErrors: { name: ["It is used by partials frame; change them first."] },
    });
    const unused = await saved({ name: "unused", kind: "partial", body: "x" });
    expect(await deletePartial(deps(), { id: unused.id })).toEqual({ ok: true, name: "unused" });
  });

  it("keeps versions and restores one as a new version", async () => {
    const p = await saved({ name: "note", kind: "partial", body: "one" });
    await save({ name: "note", kind: "partial", body: "two" }, p.id);
    expect(await restorePartialVersion(deps(), { id: p.id, version: 1, by: null })).toMatchObject({
      status: "ok",
      partial: { version: 3, body: "one" },
    });
    expect(
      (await listPartialVersions(database.db, { partialId: p.id })).map((v) => [v.version, v.note, v.fields.body]),
    ).toEqual([
      [3, "restored version 1", "one"],
      [2, "edited", "two"],
      [1, "created", "one"],
    ]);
  });

  it("previews a partial on its own and a layout around a sample body", async () => {
    expect(
      await previewPartial(deps(), {
        input: { name: "hello", kind: "partial", body: "<b>{{ name }}</b>" },
        context: { name: "<Ada>" },
      }),
    ).toMatchObject({ error: null, html: expect.stringContaining("<b>&lt;Ada&gt;</b>") });
    expect(
      await previewPartial(deps(), {
        input: { name: "wrap", kind: "layout", body: "<section>{{ content }}</section>" },
        context: {},
      }),
    ).toMatchObject({
      error: null,
      html: expect.stringContaining("<section><p>The template's HTML body goes here.</p></section>"),
    });
    expect(
      await previewPartial(deps(), { input: { name: "hello", kind: "partial", body: "{{ missing }}" }, context: {} }),
    ).toEqual({ html: null, error: "`missing` is not defined (line 1, column 4)" });
  });
});
