import { MAX_TEMPLATE_BYTES } from "@/emails/liquid";

/**
 * Translating a django-spark (spark_mails) template to Liquid. Only what reads the same in both is
 * translated; anything else is refused with its line, so an import never saves a template that says
 * something different from the one it came from.
 */
export type DjangoTranslation = { ok: true; liquid: string } | { ok: false; errors: string[] };

/** Django's `date` format characters and their strftime twins (names print in English). */
const DATE_FORMAT: Record<string, string> = {
  d: "%d",
  j: "%-d",
  m: "%m",
  n: "%-m",
  Y: "%Y",
  y: "%y",
  H: "%H",
  G: "%-H",
  h: "%I",
  g: "%-I",
  i: "%M",
  s: "%S",
  A: "%p",
  D: "%a",
  l: "%A",
  M: "%b",
  F: "%B",
  w: "%w",
};

/** Filters that mean the same in Liquid, under their Liquid names. */
const SAME_FILTERS: Record<string, string> = {
  upper: "upcase",
  lower: "downcase",
  length: "size",
  first: "first",
  last: "last",
  join: "join",
  default: "default",
  escape: "escape",
  striptags: "strip_html",
  linebreaksbr: "newline_to_br",
  date: "date",
  time: "date",
};

/** Why a Django tag or filter has no Liquid equivalent, in words that say what to do instead. */
const REFUSED_TAGS: Record<string, string> = {
  trans: "translations have no Liquid equivalent; write the text in the mail's language",
  blocktrans: "translations have no Liquid equivalent; write the text in the mail's language",
  blocktranslate: "translations have no Liquid equivalent; write the text in the mail's language",
  translate: "translations have no Liquid equivalent; write the text in the mail's language",
  url: "Spark cannot reverse Django URLs; write the full address, or put it in the event's context",
  csrf_token: "a mail has no form to protect; remove it",
  include: "Spark reads no template files; paste the included text, or use a stored partial after the import",
  extends: "Spark reads no template files; paste the parent's text, or choose a layout after the import",
  block: "blocks belong to {% extends %}, which Spark does not read",
  static: "Spark serves no static files; write the full address",
  with: "write {% assign %} after the import, where its scope is the whole template",
};
const REFUSED_FILTERS: Record<string, string> = {
  safe: "Spark's imported text body never escapes, and its HTML body escapes every variable; remove it",
};

const MAX_DEPTH = 50;
// The template checks find each variable's line from the text's start (liquidjs' positions), so their
// time grows with the square of the tags, and an imported source is checked twice (subject and body):
// a mail has a few dozen; 35,000 held the server for 40 seconds.
export const MAX_DJANGO_TAGS = 2_000;
const MAX_ERRORS = 10;

type Block = { tag: "if" | "for"; line: number; sawElse: boolean };

/** Django's smart split: words, with quoted strings kept whole. */
function words(text: string): string[] {
  return (
    text.match(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s"']+(?:(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')[^\s"']*)*/g) ??
    []
  );
}

class Refusal extends Error {}

function translateDateFormat(format: string): string {
  let out = "";
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c === "\\") {
      const next = format[++i];
      if (next !== undefined) out += next === "%" ? "%%" : next;
    } else if (/[A-Za-z]/.test(c)) {
      const mapped = DATE_FORMAT[c];
      if (!mapped)
        throw new Refusal(
          `the date format character "${c}" has no strftime twin; use ${Object.keys(DATE_FORMAT).join(" ")}`,
        );
      out += mapped;
    } else out += c === "%" ? "%%" : c;
  }
  return out;
}

const LITERAL = /^(?:"[^"\\]*"|'[^'\\]*'|-?\d+(?:\.\d+)?)$/;
const PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.(?:[A-Za-z_][A-Za-z0-9_]*|\d+))*$/;
const FORLOOP: Record<string, string> = {
  counter: "index",
  counter0: "index0",
  revcounter: "rindex",
  revcounter0: "rindex0",
  first: "first",
  last: "last",
};

/** A variable or a literal, as Liquid writes it. */
function translateOperand(text: string): string {
  if (LITERAL.test(text)) return text;
  if (text === "True") return "true";
  if (text === "False") return "false";
  if (text === "None") return "nil";
  if (!PATH.test(text)) throw new Refusal(`\`${text}\` is not a variable or a literal Spark can translate`);
  const [head, next, ...rest] = text.split(".");
  if (head === "forloop") {
    const mapped = next === undefined ? undefined : FORLOOP[next];
    if (!mapped || rest.length > 0) throw new Refusal(`\`${text}\` has no Liquid equivalent`);
    return `forloop.${mapped}`;
  }
  return text;
}

function splitFilters(expression: string): string[] {
  return expression.match(/(?:"[^"]*"|'[^']*'|[^|])+/g) ?? [""];
}

/** `value|filter:arg|…` as a Liquid output's inside. */
function translateExpression(expression: string): string {
  const [value, ...filters] = splitFilters(expression.trim()).map((p) => p.trim());
  let out = translateOperand(value ?? "");
  for (const filter of filters) {
    const colon = filter.search(/:(?=(?:[^"']|"[^"]*"|'[^']*')*$)/);
    const name = (colon === -1 ? filter : filter.slice(0, colon)).trim();
    const arg = colon === -1 ? null : filter.slice(colon + 1).trim();
    if (REFUSED_FILTERS[name]) throw new Refusal(`|${name}: ${REFUSED_FILTERS[name]}`);
    const liquid = SAME_FILTERS[name];
    if (!liquid)
      throw new Refusal(
        `the filter |${name} has no Liquid equivalent Spark trusts; use ${Object.keys(SAME_FILTERS).join(", ")}`,
      );
    if (name === "date" || name === "time") {
      if (arg === null || !/^"[^"]*"$|^'[^']*'$/.test(arg))
        throw new Refusal(`|${name} needs its format written out, like |${name}:"d.m.Y"`);
      const format = translateDateFormat(arg.slice(1, -1));
      if (format.includes('"')) throw new Refusal(`|${name}: a quote inside the format does not translate`);
      out += ` | date: "${format}"`;
      continue;
    }
    if ((name === "join" || name === "default") !== (arg !== null))
      throw new Refusal(arg === null ? `|${name} needs an argument` : `|${name} takes no argument`);
    out += arg === null ? ` | ${liquid}` : ` | ${liquid}: ${translateOperand(arg)}`;
  }
  return out;
}

const COMPARISONS = new Set(["==", "!=", "<", ">", "<=", ">="]);

/** A Django `if` condition in Liquid, where it reads the same; Django's truthiness becomes `!= blank`. */
function translateCondition(args: string[]): string {
  if (args.length === 0) throw new Refusal("the condition is empty");
  const joins = args.filter((w) => w === "and" || w === "or");
  if (joins.includes("and") && joins.includes("or"))
    throw new Refusal(
      "it mixes `and` and `or`, which Django groups `and` first and Liquid reads right to left; nest two ifs instead",
    );
  const operand = (word: string) => {
    if (word === "not" || word === "in" || word === "is")
      throw new Refusal(`\`${word}\` has no Liquid equivalent in a condition`);
    if (word.includes("|")) {
      const [value, ...filters] = splitFilters(word);
      if (filters.length === 1 && filters[0]!.trim() === "length") return `${translateOperand(value!.trim())}.size`;
      throw new Refusal(`\`${word}\`: Liquid cannot use a filter in a condition (only |length translates)`);
    }
    return translateOperand(word);
  };
  const parts: string[] = [];
  for (let i = 0; i < args.length;) {
    const left = operand(args[i]!);
    const op = args[i + 1];
    if (op !== undefined && COMPARISONS.has(op)) {
      const right = args[i + 2];
      if (right === undefined) throw new Refusal(`\`${op}\` has nothing on its right`);
      parts.push(`${left} ${op} ${operand(right)}`);
      i += 3;
    } else {
      parts.push(`${left} != blank`);
      i += 1;
    }
    const join = args[i];
    if (join === undefined) break;
    if (join !== "and" && join !== "or") throw new Refusal(`\`${join}\` is not an operator Spark can translate`);
    if (args[i + 1] === undefined) throw new Refusal(`\`${join}\` has nothing on its right`);
    parts.push(join);
    i += 1;
  }
  return parts.join(" ");
}

/**
 * A spark_mails template source as Liquid: variables, `if`/`elif`/`else`, `for`/`empty`, comments
 * (`{# #}` and `{% comment %}`), `{% load %}` (dropped: it prints nothing), and the filters Liquid has
 * too, `date`'s format translated to strftime. Django prints nothing for a comment or a `load`, so
 * both leave the rest of their line as it was. Everything else is refused with its line.
 */
export function translateDjangoTemplate(source: string): DjangoTranslation {
  if (Buffer.byteLength(source) > MAX_TEMPLATE_BYTES - 1024)
    return { ok: false, errors: ["The source is larger than 255 KiB; a mail is never that big."] };
  const tags = source.match(/\{[{%#]/g)?.length ?? 0;
  if (tags > MAX_DJANGO_TAGS)
    return {
      ok: false,
      errors: [
        `The source has ${tags.toLocaleString("en")} {{ }}, {% %} and {# #}; Spark imports templates of up to ${MAX_DJANGO_TAGS.toLocaleString("en")}.`,
      ],
    };
  const errors: string[] = [];
  const stack: Block[] = [];
  let out = "";
  let line = 1;
  let inComment: { line: number; body: string } | null = null;
  let last = 0;
  const refuse = (at: number, message: string) => {
    if (errors.length < MAX_ERRORS) errors.push(`Line ${at}: ${message}.`);
  };
  const text = (chunk: string, at: number) => {
    if (inComment) {
      inComment.body += chunk;
      return;
    }
    const open = chunk.search(/\{[{%]/);
    if (open !== -1)
      refuse(
        at + chunk.slice(0, open).split("\n").length - 1,
        "a `{{` or `{%` that Django prints as text because it does not close on its line; Liquid would read it",
      );
    out += chunk;
  };
  for (const match of tokens(source)) {
    const before = source.slice(last, match.index);
    text(before, line);
    line += before.split("\n").length - 1;
    last = match.index + match.raw.length;
    const raw = match.raw;
    const inner = raw.slice(2, -2).trim();
    if (inComment) {
      if (raw.startsWith("{%") && inner === "endcomment") {
        out += `{% comment %}${unbraced(inComment.body)}{% endcomment %}`;
        inComment = null;
      } else inComment.body += raw;
      line += raw.split("\n").length - 1;
      continue;
    }
    try {
      if (raw.startsWith("{#")) {
        out += `{% comment %} ${unbraced(inner)} {% endcomment %}`;
        continue;
      }
      if (raw.startsWith("{{")) {
        out += `{{ ${translateExpression(inner)} }}`;
        continue;
      }
      const [name = "", ...args] = words(inner);
      switch (name) {
        case "load":
          break;
        case "comment":
          inComment = { line, body: "" };
          break;
        case "if":
          if (stack.length >= MAX_DEPTH) throw new Refusal(`blocks are nested deeper than ${MAX_DEPTH}`);
          // Opened even when its condition is refused, so its {% endif %} is not reported as well.
          stack.push({ tag: "if", line, sawElse: false });
          out += `{% if ${translateCondition(args)} %}`;
          break;
        case "elif": {
          const open = stack.at(-1);
          if (open?.tag !== "if" || open.sawElse) throw new Refusal("{% elif %} outside an {% if %}");
          out += `{% elsif ${translateCondition(args)} %}`;
          break;
        }
        case "else":
        case "empty": {
          const open = stack.at(-1);
          if (
            !open ||
            open.sawElse ||
            (name === "empty" && open.tag !== "for") ||
            (name === "else" && open.tag !== "if")
          )
            throw new Refusal(`{% ${name} %} outside an {% ${name === "empty" ? "for" : "if"} %}`);
          open.sawElse = true;
          out += "{% else %}";
          break;
        }
        case "endif":
        case "endfor": {
          const open = stack.at(-1);
          if (open?.tag !== name.slice(3)) throw new Refusal(`{% ${name} %} closes nothing`);
          stack.pop();
          out += `{% ${name} %}`;
          break;
        }
        case "for": {
          if (stack.length >= MAX_DEPTH) throw new Refusal(`blocks are nested deeper than ${MAX_DEPTH}`);
          const reversed = args.at(-1) === "reversed";
          const [item, keyword, list, ...extra] = reversed ? args.slice(0, -1) : args;
          if (keyword !== "in" || !item || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(item) || !list || extra.length > 0)
            throw new Refusal("only {% for item in list %} (or `reversed`) translates; unpack items after the import");
          stack.push({ tag: "for", line, sawElse: false });
          out += `{% for ${item} in ${translateOperand(list)}${reversed ? " reversed" : ""} %}`;
          break;
        }
        default:
          throw new Refusal(
            REFUSED_TAGS[name]
              ? `{% ${name} %}: ${REFUSED_TAGS[name]}`
              : `{% ${name} %} is not a tag Spark can translate (it knows if, for, comment and load)`,
          );
      }
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      refuse(line, `${raw.length > 80 ? `${raw.slice(0, 77)}…` : raw} — ${error.message}`);
    }
  }
  text(source.slice(last), line);
  if (inComment) refuse(inComment.line, "{% comment %} is not closed");
  for (const open of stack.slice(0, MAX_ERRORS)) refuse(open.line, `{% ${open.tag} %} is not closed`);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, liquid: out };
}

// Liquid would parse what Django never read inside a comment: its braces become parentheses.
const unbraced = (comment: string) => comment.replace(/\{/g, "(").replace(/\}/g, ")");

const CLOSERS: Record<string, string> = { "{%": "%}", "{{": "}}", "{#": "#}" };

/**
 * Django's tokens (`{% %}`, `{{ }}`, `{# #}`), each closed by the first closer on its own line — Django's
 * tags never span lines, so a `{%` left open is text to Django. In one pass: once a closer is missing
 * from the rest of a line, no later opener of its kind on that line looks for it again.
 */
function* tokens(source: string): Generator<{ index: number; raw: string }> {
  const noCloserBefore: Record<string, number> = { "{%": -1, "{{": -1, "{#": -1 };
  for (let at = source.indexOf("{"); at !== -1 && at < source.length; at = source.indexOf("{", at + 1)) {
    const opener = source.slice(at, at + 2);
    const closer = CLOSERS[opener];
    if (!closer || at < noCloserBefore[opener]!) continue;
    let lineEnd = source.indexOf("\n", at);
    if (lineEnd === -1) lineEnd = source.length;
    const close = source.indexOf(closer, at + 2);
    if (close === -1 || close + 2 > lineEnd) {
      noCloserBefore[opener] = lineEnd;
      continue;
    }
    yield { index: at, raw: source.slice(at, close + 2) };
    at = close + 1;
  }
}

/** The capture every imported field renders, so the split below happens on the rendered mail. */
const CAPTURED = "django_mail";

/**
 * The Liquid fields of an imported template: subject and text body each render the whole translated
 * source, then keep their part of it as spark_mails did — the first non-empty rendered line, or the
 * lines after it.
 */
export function djangoMailFields(liquid: string): { subject: string; text: string } {
  const capture = `{% capture ${CAPTURED} %}${liquid}{% endcapture %}`;
  return {
    subject: `${capture}{{ ${CAPTURED} | spark_mails_subject }}`,
    text: `${capture}{{ ${CAPTURED} | spark_mails_body }}`,
  };
}
