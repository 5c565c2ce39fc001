import { analyze, filters, Liquid, LiquidError, toValueSync, Token, type FS, type Template } from "liquidjs";
import addressparser from "nodemailer/lib/addressparser";
import { PRINTED_END, PRINTED_START } from "./addresses";
import { z } from "zod";
import { splitDjangoSparkMail } from "./spark-mails-split";

/** A template larger than this is refused before parsing: mail is never that big. */
export const MAX_TEMPLATE_BYTES = 256 * 1024;

/**
 * At most this many `{{ … }}` and `{% … %}` in one field: a template's checks look at each of them,
 * and no mail needs more; without a bound, one save could hold the server for seconds.
 */
export const MAX_LIQUID_MARKUP = 1_000;

/** How long one render may take, in a render worker (its hard limit) and in liquidjs itself. */
export const RENDER_LIMIT_MS = 2_000;

// Bounded on every axis, so a template cannot exhaust the server's memory: parse work, render time,
// and memory allocated by loops and filters.
const limits = { parseLimit: 1_000_000, renderLimit: RENDER_LIMIT_MS, memoryLimit: 16_000_000 };
const strict = { strictVariables: true, strictFilters: true, lenientIf: true, ownPropertyOnly: true };

export type PartialKind = "partial" | "layout";
/** The stored partials and layouts a render may pull in, by name: the only things Liquid can read. */
export type PartialSnapshot = ReadonlyMap<string, { kind: PartialKind; body: string }>;
export const NO_PARTIALS: PartialSnapshot = new Map();

// liquidjs finds a token's line and column by reading its text from the start, once per variable the
// template checks name, so the checks grew with the square of a field's size (a 256 KiB field of
// `{{ a }}` held the event loop for 13 s). The same answer from the line starts, found once per text.
let positionsOf: { input: string; lineStarts: number[] } | null = null;
Token.prototype.getPosition = function getPosition(this: Token): [number, number] {
  if (positionsOf?.input !== this.input) {
    const lineStarts = [0];
    for (let i = this.input.indexOf("\n"); i !== -1; i = this.input.indexOf("\n", i + 1)) lineStarts.push(i + 1);
    positionsOf = { input: this.input, lineStarts };
  }
  const { lineStarts } = positionsOf;
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (lineStarts[middle]! <= this.begin) low = middle;
    else high = middle - 1;
  }
  return [low + 1, this.begin - lineStarts[low]! + 1];
};

/** A partial's or layout's name: a plain word, so it can never be read as a path. */
export const PARTIAL_NAME = /^[a-z0-9][a-z0-9_.-]{0,99}$/;

export class TemplateError extends Error {
  override name = "TemplateError";
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
  }
}

const DIRS: Record<PartialKind, string> = { partial: "spark-partials", layout: "spark-layouts" };
const missing = (kind: PartialKind, name: string) =>
  kind === "layout"
    ? `There is no layout named \`${name}\`; Templates → Layouts lists them`
    : `There is no partial named \`${name}\`; Templates → Partials lists them`;

/**
 * liquidjs reads the working directory unless it is given a file system. This one holds only the
 * stored partials (under one made-up directory) and layouts (under another), by exact name: a path,
 * a dot-dot or an absolute name is simply not there.
 */
function snapshotFs(snapshot: PartialSnapshot): FS {
  const lookup = (filepath: string) => {
    for (const kind of ["partial", "layout"] as const) {
      const prefix = `${DIRS[kind]}/`;
      if (!filepath.startsWith(prefix)) continue;
      const name = filepath.slice(prefix.length);
      const found = PARTIAL_NAME.test(name) ? snapshot.get(name) : undefined;
      return found?.kind === kind ? found : null;
    }
    return null;
  };
  const read = (filepath: string) => {
    const found = lookup(filepath);
    if (!found)
      throw new TemplateError(
        missing(filepath.startsWith(DIRS.layout) ? "layout" : "partial", filepath.replace(/^[^/]*\//, "")),
      );
    return found.body;
  };
  return {
    exists: async (filepath) => lookup(filepath) !== null,
    existsSync: (filepath) => lookup(filepath) !== null,
    readFile: async (filepath) => read(filepath),
    readFileSync: read,
    resolve: (dir, file) => `${dir}/${file}`,
    contains: async (dir, filepath) => filepath.startsWith(`${dir}/`) && lookup(filepath) !== null,
    containsSync: (dir, filepath) => filepath.startsWith(`${dir}/`) && lookup(filepath) !== null,
    sep: "/",
    dirname: () => DIRS.partial,
  };
}

/** A rendered HTML body placed in a layout's `{{ content }}`: already escaped, so printed as it is. */
export class SafeHtml {
  constructor(readonly html: string) {}
  toString() {
    return this.html;
  }
}

export type LiquidEngines = { html: Liquid; text: Liquid; address: Liquid };

const email = z.email();

/**
 * In an address field, a printed value that is an address or a list of them stays as it is, and so
 * does a single word (letters, digits, `.`, `_`, `+`, `-`), which cannot change the address around it:
 * `support+{{ ticket }}@example.com` is one address. Anything else is a display name and is quoted, so
 * "O'Brien & <Co>" in `{{ name }} <{{ email }}>` stays a name instead of breaking the address apart.
 */
export function quoteForAddress(value: unknown): string {
  const text = (value === null || value === undefined ? "" : String(value)).replace(/[\uE000\uE001]/g, "");
  if (text.trim() === "" || /^[\p{L}\p{N}._+-]+$/u.test(text)) return text;
  const parts = addressparser(text.replace(/;/g, ","), { flatten: true });
  // Marked, so the field's parser can tell where it stands (see settlePrintedAddresses).
  if (parts.length > 0 && parts.every((p) => email.safeParse(p.address).success))
    return `${PRINTED_START}${text}${PRINTED_END}`;
  return `"${text.replace(/[\\"]/g, "\\$&").replace(/[\r\n]+/g, " ")}"`;
}

function escapeUnlessSafe(this: unknown, value: unknown): string {
  return value instanceof SafeHtml
    ? value.html
    : (filters.escape as (this: unknown, v: unknown) => string).call(this, value);
}

/**
 * The three engines (HTML bodies escape every printed variable, address fields quote display names,
 * subject and text print as they are), reading partials and layouts from `snapshot` only.
 */
export function createEngines(snapshot: PartialSnapshot = NO_PARTIALS): LiquidEngines {
  const files = {
    fs: snapshotFs(snapshot),
    root: [DIRS.partial],
    partials: [DIRS.partial],
    layouts: [DIRS.layout],
    relativeReference: false,
    extname: "",
    // Parsed partials are kept for the engine's life: one engine serves one snapshot.
    cache: true,
  };
  const engines = {
    html: new Liquid({ ...strict, ...limits, ...files, outputEscape: escapeUnlessSafe }),
    text: new Liquid({ ...strict, ...limits, ...files }),
    address: new Liquid({ ...strict, ...limits, ...files, outputEscape: quoteForAddress }),
  };
  // A template imported from django-spark renders its whole source, then splits it as spark_mails did.
  for (const engine of Object.values(engines)) {
    engine.registerFilter("spark_mails_subject", (value: unknown) => splitDjangoSparkMail(String(value ?? "")).subject);
    engine.registerFilter("spark_mails_body", (value: unknown) => splitDjangoSparkMail(String(value ?? "")).body);
  }
  return engines;
}

/** A Liquid error in words an operator can act on: "`challenge.title` is not defined (line 3, column 12)". */
export function describeLiquidError(error: unknown): TemplateError {
  if (error instanceof TemplateError) return error;
  if (!(error instanceof LiquidError)) return new TemplateError(error instanceof Error ? error.message : String(error));
  const [line, column] = error.token?.getPosition?.() ?? [];
  const where = line ? ` (line ${line}, column ${column})` : "";
  const original = error.originalError as (Error & { variableName?: string }) | undefined;
  const reason = original?.message ?? error.message.replace(/, line:\d+, col:\d+$/, "");
  const lookup = /^ENOENT: Failed to lookup "(.*)" in "([^"]*)"/.exec(reason);
  let text: string;
  if (original?.variableName) text = `\`${original.variableName}\` is not defined`;
  else if (lookup) text = missing(lookup[2] === DIRS.layout ? "layout" : "partial", lookup[1]!);
  else if (/^undefined filter: (.+)$/.test(reason))
    text = `There is no filter named \`${reason.replace(/^undefined filter: /, "")}\``;
  else if (/template render limit exceeded/.test(reason))
    text = `The template took longer than ${RENDER_LIMIT_MS / 1000} s; simplify its loops`;
  else if (/limit exceeded/.test(reason)) text = `The template does too much work (${reason}); simplify its loops`;
  else text = reason.charAt(0).toUpperCase() + reason.slice(1);
  return new TemplateError(`${text.replace(/\s*\(line \d+, column \d+\)$/, "")}${where}`, line, column);
}

export function parseLiquid(engine: Liquid, source: string): Template[] {
  if (Buffer.byteLength(source) > MAX_TEMPLATE_BYTES)
    throw new TemplateError(`This field is larger than ${MAX_TEMPLATE_BYTES / 1024} KiB; shorten it.`);
  const markup = source.match(/\{\{|\{%/g)?.length ?? 0;
  if (markup > MAX_LIQUID_MARKUP)
    throw new TemplateError(
      `This field has ${markup.toLocaleString("en")} {{ }} and {% %}; a mail template may have at most ${MAX_LIQUID_MARKUP.toLocaleString("en")}.`,
    );
  try {
    return engine.parse(source);
  } catch (error) {
    throw describeLiquidError(error);
  }
}

export async function renderLiquid(
  engine: Liquid,
  templates: Template[],
  context: Record<string, unknown>,
): Promise<string> {
  try {
    // Synchronously: nothing Spark lets a template reach is asynchronous (partials come from memory),
    // and liquidjs's async path hands every tag back to the event loop — about ten times the cost of a
    // render. The render limit holds either way; rendering runs in a worker, so nothing else waits.
    return engine.renderSync(templates, context) as string;
  } catch (error) {
    throw describeLiquidError(error);
  }
}

export type PartialReference = {
  tag: "include" | "render" | "layout";
  name: string | null;
  line: number;
  column: number;
};

type TagLike = Template & {
  name?: string;
  file?: unknown;
  children?: (partials: boolean, sync: boolean) => Generator<unknown, Template[]>;
};

/** Every `include`, `render` and `layout` in parsed Liquid, with the name it asks for (null when computed at render time). */
export function partialReferences(templates: Template[]): PartialReference[] {
  const found: PartialReference[] = [];
  const walk = (list: Template[]) => {
    for (const template of list as TagLike[]) {
      if (template.name === "include" || template.name === "render" || template.name === "layout") {
        const [line = 1, column = 1] = template.token.getPosition();
        if (!(template.name === "layout" && template.file === undefined))
          found.push({
            tag: template.name,
            name: typeof template.file === "string" ? template.file : null,
            line,
            column,
          });
      }
      if (typeof template.children === "function") walk(toValueSync(template.children(false, true)));
    }
  };
  walk(templates);
  return found;
}

/**
 * Why these references cannot be resolved, or null: a computed name, a name that is not stored, or a
 * partial used as a layout (and the other way round).
 */
export function checkReferences(references: PartialReference[], snapshot: PartialSnapshot): TemplateError | null {
  for (const ref of references) {
    const where = ` (line ${ref.line}, column ${ref.column})`;
    const wanted: PartialKind = ref.tag === "layout" ? "layout" : "partial";
    if (ref.name === null)
      return new TemplateError(
        `Name the ${wanted} in quotes, like {% ${ref.tag} 'footer' %}; a name made from variables is not allowed${where}`,
        ref.line,
        ref.column,
      );
    const stored = PARTIAL_NAME.test(ref.name) ? snapshot.get(ref.name) : undefined;
    if (!stored) return new TemplateError(`${missing(wanted, ref.name)}${where}`, ref.line, ref.column);
    if (stored.kind !== wanted)
      return new TemplateError(
        `\`${ref.name}\` is a ${stored.kind}, not a ${wanted}; ${wanted === "layout" ? "choose a layout" : "include a partial"}${where}`,
        ref.line,
        ref.column,
      );
  }
  return null;
}

export type UsedVariable = { path: string[]; line: number; column: number };

/** The context variables parsed Liquid reads (loop variables and assigns excluded), partials included. */
export async function usedVariables(templates: Template[]): Promise<UsedVariable[]> {
  const analysis = await analyze(templates, { partials: true });
  const used: UsedVariable[] = [];
  for (const list of Object.values(analysis.globals)) {
    for (const variable of list) {
      const path: string[] = [];
      for (const segment of variable.segments) {
        if (typeof segment === "string") path.push(segment);
        else break;
      }
      if (path.length > 0) used.push({ path, line: variable.location.row, column: variable.location.col });
    }
  }
  return used;
}
