import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { PartialSnapshot } from "./liquid";
import { checkTemplateSyntax, compileMail, templateVariables, type MailTemplateSource } from "./render";

const base: MailTemplateSource = {
  subject: "Hi",
  html: "<p>{{ name }}</p>",
  text: "",
  from: "",
  to: "a@example.com",
  cc: "",
  bcc: "",
  replyTo: "",
};
const defaultFrom = "Spark <spark@example.com>";
const partials: PartialSnapshot = new Map([
  ["footer", { kind: "partial", body: "<small>Sent to {{ name }}</small>" }],
  ["greeting", { kind: "partial", body: "Hello {{ who }}" }],
  ["frame", { kind: "layout", body: "<main class=frame>{{ content }}</main>" }],
  ["calls-a-file", { kind: "partial", body: "{% include 'package.json' %}" }],
]);
// Strings that only these files hold: none may appear in any answer.
const secrets = [readFileSync("package.json", "utf8").slice(0, 60), '"name": "spark"', "root:x:0:0"];

const fileNames = [
  "package.json",
  "../package.json",
  "/etc/passwd",
  ".env.local",
  ".spark/server.json",
  "/work/main/package.json",
  ".next/server/server-reference-manifest.json",
  "./package.json",
  "..\\package.json",
  "file:///etc/passwd",
];
const tags = [
  (n: string) => `{% include '${n}' %}`,
  (n: string) => `{% render "${n}" %}`,
  (n: string) => `{% layout '${n}' %}`,
];

describe("Liquid reads stored partials only, never files", () => {
  const cases = fileNames.flatMap((name) => tags.map((tag) => ({ name, source: tag(name) })));
  it.each(cases)("$source is a field error, never a file", async ({ name, source }) => {
    for (const field of ["html", "text", "subject", "to"] as const) {
      const errors = checkTemplateSyntax({ ...base, [field]: source }, { partials });
      // Liquid reads a backslash in a quoted name as an escape, so that one name comes back changed.
      const shown = name.includes("\\") ? "[^`]+" : name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      expect(errors[field]).toMatch(
        new RegExp(
          `^There is no (partial|layout) named \`${shown}\`; Templates → (Partials|Layouts) lists them \\(line 1, column 1\\)$`,
        ),
      );
      const failure = await Promise.resolve()
        .then(() => compileMail({ ...base, [field]: source }, { partials }).render({ name: "Ada" }, { defaultFrom }))
        .then((mail) => JSON.stringify(mail))
        .catch((error: Error) => error.message);
      for (const secret of secrets) expect(failure).not.toContain(secret);
    }
  });

  it.each([
    [
      "{% include file %}",
      "Name the partial in quotes, like {% include 'footer' %}; a name made from variables is not allowed (line 1, column 1)",
    ],
    [
      "{% render 'foot{{ x }}' %}",
      "Name the partial in quotes, like {% render 'footer' %}; a name made from variables is not allowed (line 1, column 1)",
    ],
    [
      "{% layout name %}",
      "Name the layout in quotes, like {% layout 'footer' %}; a name made from variables is not allowed (line 1, column 1)",
    ],
    [
      "{% if x %}\n  {% include 'frame' %}{% endif %}",
      "`frame` is a layout, not a partial; include a partial (line 2, column 3)",
    ],
    ["{% layout 'footer' %}", "`footer` is a partial, not a layout; choose a layout (line 1, column 1)"],
  ])("refuses %j", (html, message) => {
    expect(checkTemplateSyntax({ ...base, html }, { partials })).toEqual({ html: message });
  });

  it("a stored partial that names a file fails at render with the same error, and shows no file", async () => {
    const rendering = compileMail({ ...base, html: "{% include 'calls-a-file' %}" }, { partials }).render(
      { name: "Ada" },
      { defaultFrom },
    );
    await expect(rendering).rejects.toThrow(
      "HTML body: There is no partial named `package.json`; Templates → Partials lists them",
    );
  });

  it("renders stored partials with the template's context, and the HTML body inside its chosen layout", async () => {
    const mail = await compileMail(
      { ...base, html: "<p>{% render 'greeting', who: name %}</p>{% include 'footer' %}" },
      { partials, layout: "frame" },
    ).render({ name: "<Ada>" }, { defaultFrom });
    expect(mail.html).toContain("<main class=frame><p>Hello &lt;Ada&gt;</p><small>Sent to &lt;Ada&gt;</small></main>");
    expect(mail.text).toBe("Hello <Ada>\n\nSent to <Ada>");
  });

  it("a layout that is not stored is an error under Layout", () => {
    expect(checkTemplateSyntax(base, { partials, layout: "missing" })).toEqual({
      layout: "There is no layout named `missing`; Templates → Layouts lists them",
    });
  });
});

describe("a template's checks stay cheap whatever its size", () => {
  const source = (fields: Partial<MailTemplateSource>): MailTemplateSource => ({
    subject: "Hello",
    html: "",
    text: "",
    from: "",
    to: "{{ email }}",
    cc: "",
    bcc: "",
    replyTo: "",
    ...fields,
  });

  it("refuses a field with more than 1,000 {{ }} and {% %}, saying how many it has", () => {
    const many = Array.from({ length: 1_001 }, (_, i) => `{{ a${i} }}`).join("\n");
    expect(checkTemplateSyntax(source({ text: many })).text).toBe(
      "This field has 1,001 {{ }} and {% %}; a mail template may have at most 1,000.",
    );
    expect(checkTemplateSyntax(source({ text: many.slice(0, many.lastIndexOf("\n")) })).text).toBeUndefined();
  });

  it("names each variable's line and column as counted from the text, on long templates too", async () => {
    const lines = Array.from({ length: 900 }, (_, i) => `${" ".repeat(i % 7)}{{ v${i} }}`);
    const found = await templateVariables(source({ text: lines.join("\n") }));
    const text = found!.filter((v) => v.field === "text");
    expect(text).toHaveLength(900);
    for (const v of text) {
      const i = Number(v.path[0]!.slice(1));
      // The variable itself, after its indent and `{{ `.
      expect([v.line, v.column]).toEqual([i + 1, (i % 7) + 4]);
    }
  });
});
