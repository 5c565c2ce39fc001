import { Liquid, LiquidError, type Template } from "liquidjs";
import addressparser from "nodemailer/lib/addressparser";
import { z } from "zod";

/** A template larger than this is refused before parsing: mail is never that big. */
export const MAX_TEMPLATE_BYTES = 256 * 1024;

// Bounded on every axis, so a template cannot stall a job pass or exhaust the server's memory:
// parse work, render time, and memory allocated by loops and filters.
const limits = { parseLimit: 1_000_000, renderLimit: 2_000, memoryLimit: 16_000_000 };
const strict = { strictVariables: true, strictFilters: true, lenientIf: true, ownPropertyOnly: true };

/** HTML bodies: every printed variable is HTML-escaped. */
export const htmlLiquid = new Liquid({ ...strict, ...limits, outputEscape: "escape" });
/** Subject and text bodies: printed exactly as the context has them. */
export const textLiquid = new Liquid({ ...strict, ...limits });

const email = z.email();

/**
 * In an address field, a printed value that is an address or a list of them stays as it is; anything
 * else is a display name and is quoted, so "O'Brien & <Co>" in `{{ name }} <{{ email }}>` stays a name
 * instead of breaking the address apart.
 */
export function quoteForAddress(value: unknown): string {
  const text = value === null || value === undefined ? "" : String(value);
  if (text.trim() === "") return text;
  const parts = addressparser(text.replace(/;/g, ","), { flatten: true });
  if (parts.length > 0 && parts.every((p) => email.safeParse(p.address).success)) return text;
  return `"${text.replace(/[\\"]/g, "\\$&").replace(/[\r\n]+/g, " ")}"`;
}

/** From, To, Cc, Bcc and Reply-To. */
export const addressLiquid = new Liquid({ ...strict, ...limits, outputEscape: quoteForAddress });

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

/** A Liquid error in words an operator can act on: "`challenge.title` is not defined (line 3, column 12)". */
export function describeLiquidError(error: unknown): TemplateError {
  if (error instanceof TemplateError) return error;
  if (!(error instanceof LiquidError)) return new TemplateError(error instanceof Error ? error.message : String(error));
  const [line, column] = error.token?.getPosition?.() ?? [];
  const where = line ? ` (line ${line}, column ${column})` : "";
  const original = error.originalError as (Error & { variableName?: string }) | undefined;
  const reason = original?.message ?? error.message.replace(/, line:\d+, col:\d+$/, "");
  let text: string;
  if (original?.variableName) text = `\`${original.variableName}\` is not defined`;
  else if (/^undefined filter: (.+)$/.test(reason)) text = `There is no filter named \`${reason.replace(/^undefined filter: /, "")}\``;
  else if (/limit exceeded/.test(reason)) text = `The template does too much work (${reason}); simplify its loops`;
  else text = reason.charAt(0).toUpperCase() + reason.slice(1);
  return new TemplateError(`${text}${where}`, line, column);
}

export function parseLiquid(engine: Liquid, source: string): Template[] {
  if (Buffer.byteLength(source) > MAX_TEMPLATE_BYTES) throw new TemplateError(`This field is larger than ${MAX_TEMPLATE_BYTES / 1024} KiB; shorten it.`);
  try {
    return engine.parse(source);
  } catch (error) {
    throw describeLiquidError(error);
  }
}

export async function renderLiquid(engine: Liquid, templates: Template[], context: Record<string, unknown>): Promise<string> {
  try {
    return (await engine.render(templates, context)) as string;
  } catch (error) {
    throw describeLiquidError(error);
  }
}
