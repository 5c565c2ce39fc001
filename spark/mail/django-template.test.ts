import { describe, expect, it } from "vitest";
import { compileMail } from "@/emails/render";
import { checkTemplateSyntax } from "@/emails/render";
import { importDjangoSparkTemplate, splitDjangoSparkMail } from "./templates";
import { translateDjangoTemplate } from "./django-template";

const defaultFrom = "spark@example.com";

/** Imports a source and renders it as Spark would send it, to compare with what spark_mails sent. */
async function importAndRender(source: string, context: Record<string, unknown>) {
  const imported = importDjangoSparkTemplate(source);
  if (!imported.ok) throw new Error(imported.errors.join("\n"));
  const fields = { ...imported, html: "", from: "", to: "ada@example.com", cc: "", bcc: "", replyTo: "" };
  expect(checkTemplateSyntax(fields)).toEqual({});
  return compileMail(fields).render(context, { defaultFrom });
}

const refusals = (source: string) => {
  const result = translateDjangoTemplate(source);
  return result.ok ? [] : result.errors;
};

describe("importing a django-spark (spark_mails) template", () => {
  it("Mail.render: the first non-empty rendered line is the subject with its leading spaces, trailing spaces go, the body loses its outer blank lines", () => {
    expect(
      splitDjangoSparkMail("\n\n  Your challenge ends soon   \n\n\nHi Ada,   \n\nOnly two days left.\n\n\n"),
    ).toEqual({ subject: "  Your challenge ends soon", body: "Hi Ada,\n\nOnly two days left." });
    expect(splitDjangoSparkMail("   \n\n")).toEqual({ subject: "", body: "" });
    // Python's splitlines also breaks at \r, form feeds and the Unicode line separators.
    expect(splitDjangoSparkMail("Subject\r\nline\ranother\u2028last")).toEqual({
      subject: "Subject",
      body: "line\nanother\nlast",
    });
  });

  it("Mail.render: the split happens on the rendered mail, so a first line that renders empty is not the subject", async () => {
    const source =
      "{% load i18n %}{% if vip %}Dear VIP{% endif %}\n{{ title }} ends soon   \n\nHi {{ name }},\n{% if late %}\nhurry\n{% endif %}\n\n";
    const plain = await importAndRender(source, { vip: false, late: false, title: "Run", name: "Ada" });
    expect(plain).toMatchObject({ subject: "Run ends soon", text: "Hi Ada," });
    const vip = await importAndRender(source, { vip: true, late: true, title: "Run", name: "Ada" });
    expect(vip).toMatchObject({ subject: "Dear VIP", text: "Run ends soon\n\nHi Ada,\n\nhurry" });
  });

  it('Django comments ({# #} and {% comment %}) print nothing, and |date:"d.m.Y" prints the date, as Django does', async () => {
    const source = [
      '{# internal: sent two days before the end #}Ends {{ end|date:"d.m.Y" }}',
      '{% comment "why" %}',
      "Nobody reads {{ this }} or {% that %}",
      '{% endcomment %}Starts {{ start|date:"j.n.y, G:i \\U\\h\\r" }} ({{ start|date:"D, l, M, F, Y-m-d H:i:s" }})',
      "{% for d in donors %}{{ forloop.counter }}. {{ d|upper }}{% empty %}nobody{% endfor %}",
    ].join("\n");
    const mail = await importAndRender(source, {
      end: "2026-03-05T10:00:00Z",
      start: "2026-03-04T07:08:09Z",
      donors: ["ada", "grace"],
    });
    expect(mail.subject).toBe("Ends 05.03.2026");
    expect(mail.text).toBe("Starts 4.3.26, 7:08 Uhr (Wed, Wednesday, Mar, March, 2026-03-04 07:08:09)\n1. ADA2. GRACE");
    const translated = translateDjangoTemplate(source);
    expect(translated.ok && translated.liquid.split("\n").length).toBe(source.split("\n").length);
  });

  it("refuses, with the line, whatever would read differently in Liquid instead of saving it", () => {
    expect(
      refusals(
        [
          "Hello {% trans 'you' %}",
          "{% blocktrans %}Hi {{ name }}{% endblocktrans %}",
          "{{ bio|safe }}",
          "{% url 'challenge' pk %} {% csrf_token %}",
          "{{ amount|floatformat:2 }}",
          '{{ end|date:"N jS" }}',
          "{{ end|date }}",
          "{% if a and b or c %}x{% endif %}",
          "{% if not a %}x{% endif %}",
          "{% if a in list %}x{% endif %}",
        ].join("\n"),
      ),
    ).toEqual([
      "Line 1: {% trans 'you' %} — {% trans %}: translations have no Liquid equivalent; write the text in the mail's language.",
      "Line 2: {% blocktrans %} — {% blocktrans %}: translations have no Liquid equivalent; write the text in the mail's language.",
      "Line 2: {% endblocktrans %} — {% endblocktrans %} is not a tag Spark can translate (it knows if, for, comment and load).",
      "Line 3: {{ bio|safe }} — |safe: Spark's imported text body never escapes, and its HTML body escapes every variable; remove it.",
      "Line 4: {% url 'challenge' pk %} — {% url %}: Spark cannot reverse Django URLs; write the full address, or put it in the event's context.",
      "Line 4: {% csrf_token %} — {% csrf_token %}: a mail has no form to protect; remove it.",
      "Line 5: {{ amount|floatformat:2 }} — the filter |floatformat has no Liquid equivalent Spark trusts; use upper, lower, length, first, last, join, default, escape, striptags, linebreaksbr, date, time.",
      'Line 6: {{ end|date:"N jS" }} — the date format character "N" has no strftime twin; use d j m n Y y H G h g i s A D l M F w.',
      'Line 7: {{ end|date }} — |date needs its format written out, like |date:"d.m.Y".',
      "Line 8: {% if a and b or c %} — it mixes `and` and `or`, which Django groups `and` first and Liquid reads right to left; nest two ifs instead.",
    ]);
    expect(refusals("{% if not a %}x{% endif %}")).toEqual([
      "Line 1: {% if not a %} — `not` has no Liquid equivalent in a condition.",
    ]);
    expect(refusals("Subject\n\n{% if a %}\n{% for x in xs %}\n")).toEqual([
      "Line 3: {% if %} is not closed.",
      "Line 4: {% for %} is not closed.",
    ]);
    expect(refusals("Subject\n{{ a\n}}")).toEqual([
      "Line 2: a `{{` or `{%` that Django prints as text because it does not close on its line; Liquid would read it.",
    ]);
    expect(importDjangoSparkTemplate("  \n{# only a comment #}\n{% load i18n %}\n")).toEqual({
      ok: false,
      errors: ["The source has no non-empty line: spark_mails takes the first one as the subject."],
    });
  });

  it("a hostile source cannot reach files, nest without end or stall the import", () => {
    expect(
      refusals("Hi\n{% include '/etc/passwd' %}\n{% include \"../.env.local\" %}\n{% render 'package.json' %}"),
    ).toEqual([
      "Line 2: {% include '/etc/passwd' %} — {% include %}: Spark reads no template files; paste the included text, or use a stored partial after the import.",
      'Line 3: {% include "../.env.local" %} — {% include %}: Spark reads no template files; paste the included text, or use a stored partial after the import.',
      "Line 4: {% render 'package.json' %} — {% render %} is not a tag Spark can translate (it knows if, for, comment and load).",
    ]);
    // Liquid's own tags are not Django's: a {% raw %} or {% liquid %} smuggled in is refused too.
    expect(refusals("Hi\n{% raw %}{% endraw %}")[0]).toMatch(/^Line 2: \{% raw %\} — \{% raw %\} is not a tag/);
    const deep = `Subject\n${"{% if a %}".repeat(900)}x${"{% endif %}".repeat(900)}`;
    const nested = refusals(deep);
    expect(nested[0]).toBe("Line 2: {% if a %} — blocks are nested deeper than 50.");
    expect(nested.length).toBeLessThanOrEqual(10);
    expect(refusals(`Subject\n${"{{ x }}".repeat(40_000)}`)).toEqual([
      "The source is larger than 255 KiB; a mail is never that big.",
    ]);
    // Small enough, but each tag costs the template checks a read from the start: 2,000 at most.
    expect(refusals(`Subject\n${"{{ x }}".repeat(2_001)}`)).toEqual([
      "The source has 2,001 {{ }}, {% %} and {# #}; Spark imports templates of up to 2,000.",
    ]);
    expect(refusals(`Subject\n${"{{ x }}".repeat(2_000)}`)).toEqual([]);
    expect(refusals(`Subject\n${"{".repeat(200_000)}`)).toEqual([
      "The source has 100,000 {{ }}, {% %} and {# #}; Spark imports templates of up to 2,000.",
    ]);
    // Openers that never close on their line are read once, not once per opener.
    expect(refusals(`Subject\n${"{{ ".repeat(1_999)}${"x".repeat(200_000)}`)).toEqual([
      "Line 2: a `{{` or `{%` that Django prints as text because it does not close on its line; Liquid would read it.",
    ]);
  });
});
