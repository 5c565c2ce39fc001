import { describe, expect, it } from "vitest";
import { parseAddressList } from "./addresses";
import { checkTemplateSyntax, compileMail, FieldError, type MailTemplateSource } from "./render";

const base: MailTemplateSource = {
  subject: "Hello {{ name }}",
  html: "<p>Dear {{ name }},</p>",
  text: "",
  from: "",
  to: "{{ email }}",
  cc: "",
  bcc: "",
  replyTo: "",
};
const defaultFrom = "Spark <spark@example.com>";

async function renderError(source: Partial<MailTemplateSource>, context: Record<string, unknown>): Promise<FieldError> {
  try {
    await compileMail({ ...base, ...source }).render(context, { defaultFrom });
  } catch (error) {
    expect(error).toBeInstanceOf(FieldError);
    return error as FieldError;
  }
  throw new Error("rendered without an error");
}

describe("rendering a mail template", () => {
  it("escapes variables in the HTML body and prints them exactly in the subject and the text body", async () => {
    const mail = await compileMail({ ...base, text: "Dear {{ name }}," }).render(
      { name: "O'Brien & <Co>", email: "ob@example.com" },
      { defaultFrom },
    );
    expect(mail.html).toContain("<p>Dear O&#39;Brien &amp; &lt;Co&gt;,</p>");
    expect(mail.text).toBe("Dear O'Brien & <Co>,");
    expect(mail.subject).toBe("Hello O'Brien & <Co>");
    expect(mail).toMatchObject({ from: defaultFrom, to: ["ob@example.com"], cc: [], bcc: [], textDerived: false });
  });

  it("derives an empty text body from the HTML", async () => {
    const mail = await compileMail({
      ...base,
      html: "<h1>Hi {{ name }}</h1><p>See <a href='https://example.com/x'>the challenge</a>.</p>",
    }).render({ name: "Ada", email: "a@example.com" }, { defaultFrom });
    expect(mail.textDerived).toBe(true);
    expect(mail.text).toContain("HI ADA");
    expect(mail.text).toContain("the challenge [https://example.com/x]");
  });

  it("wraps a body fragment in the layout and leaves a whole document alone", async () => {
    const fragment = await compileMail(base).render({ name: "Ada", email: "a@example.com" }, { defaultFrom });
    expect(fragment.html).toMatch(/^<!doctype html>/);
    expect(fragment.html).toContain("<title>Hello Ada</title>");
    const whole = await compileMail({ ...base, html: "<html><body>{{ name }}</body></html>" }).render(
      { name: "Ada", email: "a@example.com" },
      { defaultFrom },
    );
    expect(whole.html).toBe("<html><body>Ada</body></html>");
  });

  it("refuses a variable the context lacks, naming it with line and column, instead of a half-empty mail", async () => {
    const error = await renderError(
      { html: "<p>Hi</p>\n<p>{{ challenge.title }}</p>" },
      { name: "Ada", email: "a@example.com", challenge: {} },
    );
    expect(error.field).toBe("html");
    expect(error.message).toBe("HTML body: `challenge.title` is not defined (line 2, column 7)");
    expect(error.reason).toBe("`challenge.title` is not defined (line 2, column 7)");
  });

  it("refuses no recipient, an address that is not one, an empty subject, and two empty bodies", async () => {
    expect((await renderError({}, { name: "Ada", email: "" })).message).toBe(
      "To: no recipient; To, Cc and Bcc rendered empty, so no mail is sent.",
    );
    expect((await renderError({}, { name: "Ada", email: "ada at example" })).message).toBe(
      "To: 'ada at example' is not an email address.",
    );
    expect(
      (await renderError({ subject: "{{ blank }}" }, { blank: "  ", name: "Ada", email: "a@example.com" })).message,
    ).toBe("Subject: it rendered empty.");
    expect((await renderError({ html: "", text: "" }, { name: "Ada", email: "a@example.com" })).message).toBe(
      "HTML body: Both bodies rendered empty; write an HTML or a text body.",
    );
  });

  it("takes comma- and semicolon-separated lists with display names", async () => {
    const mail = await compileMail({
      ...base,
      to: "{{ email }}, Grace <grace@example.com>",
      cc: "x@example.com; y@example.com",
      bcc: "{{ audit }}",
      replyTo: "help@example.com",
    }).render({ name: "Ada", email: "a@example.com", audit: "audit@example.com" }, { defaultFrom });
    expect(mail).toMatchObject({
      to: ["a@example.com", "Grace <grace@example.com>"],
      cc: ["x@example.com", "y@example.com"],
      bcc: ["audit@example.com"],
      replyTo: ["help@example.com"],
    });
    expect(parseAddressList("")).toEqual({ ok: true, addresses: [] });
  });

  it("keeps a display name with <, & and quotes in it a name, quoted, in address fields", async () => {
    const mail = await compileMail({
      ...base,
      to: "{{ name }} <{{ email }}>",
      replyTo: "{{ team }} <help@example.com>",
    }).render({ name: "Máire O'Brien & <Co>", email: "ob@example.com", team: 'The "Helpers"' }, { defaultFrom });
    expect(mail.to).toEqual([`"Máire O'Brien & <Co>" <ob@example.com>`]);
    expect(mail.replyTo).toEqual([`"The \\"Helpers\\"" <help@example.com>`]);
  });

  it("prints a single word into an address as part of it: a plus tag or a local part stays one address", async () => {
    const mail = await compileMail({
      ...base,
      to: "support+{{ ticket }}@example.com, {{ user }}@example.com",
      cc: "{{ first }} <{{ email }}>",
    }).render(
      { ticket: 4521, user: "ada.lovelace", first: "Ada", email: "ada@example.com", name: "Ada" },
      { defaultFrom },
    );
    expect(mail.to).toEqual(["support+4521@example.com", "ada.lovelace@example.com"]);
    expect(mail.cc).toEqual(["Ada <ada@example.com>"]);
    // A value with anything else that could start another address is still quoted, and so refused here.
    for (const ticket of ["1, evil@attacker.example", "1;x@y.example", '1"x', "1 2"])
      await expect(
        compileMail({ ...base, to: "support+{{ ticket }}@example.com" }).render(
          { ticket, name: "Ada" },
          { defaultFrom },
        ),
      ).rejects.toThrow(/is not an email address/);
  });

  it("keeps a printed address an address only as a whole list element, so a context value cannot move mail the template pinned", async () => {
    const render = (to: string, context: Record<string, unknown>) =>
      compileMail({ ...base, to }).render({ name: "Ada", ...context }, { defaultFrom });
    // Inside a word of the template's: quoted as a name, which is then no address at all.
    for (const ticket of ["<x@elsewhere.example>", "x@elsewhere.example", "Eve <x@elsewhere.example>"])
      await expect(render("support+{{ ticket }}@example.com", { ticket })).rejects.toThrow(/is not an email address/);
    // In the name's place: a name, however much it looks like addresses; the mail goes where the template said.
    for (const name of [
      "Eve <x@elsewhere.example>",
      "x@elsewhere.example,",
      "G: x@elsewhere.example;",
      "a@elsewhere.example, b@elsewhere.example",
      "ada@example.com",
    ]) {
      const mail = await render("{{ name }} <{{ email }}>", { name, email: "ada@example.com" });
      expect(mail.to, name).toHaveLength(1);
      expect(mail.to[0], name).toMatch(/(^|<)ada@example\.com>?$/);
    }
    // Two addresses glued together are one quoted name, not two addresses.
    await expect(render("{{ a }}{{ b }}", { a: "a@example.com", b: "b@example.com" })).rejects.toThrow(
      /is not an email address/,
    );
    // Addresses that stand apart are printed as they are, lists and named ones included.
    const apart = await compileMail({
      ...base,
      to: "{{ list }}; {{ name }} <{{ email }}>",
      cc: "<{{ email }}>",
    }).render({ list: "x@example.com, Bo <bo@example.com>", name: "Ada", email: "ada@example.com" }, { defaultFrom });
    expect(apart.to).toEqual(["x@example.com", "Bo <bo@example.com>", "Ada <ada@example.com>"]);
    expect(apart.cc).toEqual(["ada@example.com"]);
    // The marks Spark uses cannot be forged from a value.
    expect((await render("{{ email }}", { email: "\uE001ada@example.com\uE000" })).to).toEqual(["ada@example.com"]);
  });

  it("uses django-spark's spark_mail values for the fields a template leaves empty", async () => {
    const spark_mail = {
      to: ["ada@example.com", "grace@example.com"],
      cc: "boss@example.com",
      bcc: [],
      from_email: "noreply@example.com",
      reply_to: ["help@example.com"],
      subject: "From the event",
      body: "Plain body",
    };
    const mail = await compileMail({
      subject: "",
      html: "",
      text: "",
      from: "",
      to: "",
      cc: "",
      bcc: "",
      replyTo: "",
    }).render({ spark_mail }, { defaultFrom });
    expect(mail).toMatchObject({
      from: "noreply@example.com",
      to: ["ada@example.com", "grace@example.com"],
      cc: ["boss@example.com"],
      replyTo: ["help@example.com"],
      subject: "From the event",
      text: "Plain body",
      html: "",
    });
    const own = await compileMail({ ...base, subject: "Own subject" }).render(
      { spark_mail, name: "Ada", email: "own@example.com" },
      { defaultFrom },
    );
    expect(own).toMatchObject({ subject: "Own subject", to: ["own@example.com"], cc: ["boss@example.com"] });
  });

  it("reports each field's syntax error with line and column, and refuses a field over 256 KiB", () => {
    expect(checkTemplateSyntax({ ...base, subject: "Hi {{ name", html: "<p>\n{% if x %}open</p>" })).toEqual({
      subject: expect.stringMatching(/\(line 1, column 4\)$/),
      html: "Tag {% if x %} not closed (line 2, column 1)",
    });
    expect(checkTemplateSyntax({ ...base, text: "{{ name | shout }}" })).toEqual({
      text: "There is no filter named `shout` (line 1, column 1)",
    });
    expect(checkTemplateSyntax({ ...base, html: "x".repeat(256 * 1024 + 1) })).toEqual({
      html: "This field is larger than 256 KiB; shorten it.",
    });
    expect(checkTemplateSyntax(base)).toEqual({});
  });

  it("stops a template that does too much work", async () => {
    const error = await renderError(
      { text: "{% for i in (1..100000000) %}{{ i }}{% endfor %}" },
      { name: "Ada", email: "a@example.com" },
    );
    expect(error.message).toMatch(
      /^Text body: The template does too much work \(.*limit exceeded\); simplify its loops/,
    );
  });
});
