import { z } from "zod";
import { targetOfConnectionUrl } from "../connections/url";
import { isConnectionError, type ConnectionTarget } from "../connections";
import type { Deps } from "../deps";
import { importDjangoSpark, type DjangoSparkImportReport } from "./django-spark";

/** `npm run import -- django-spark --from <url>`, as the CLI sends it to a server holding the embedded database. */
export const djangoSparkImportCommand = z.object({
  from: z.string().min(1).max(2_000),
  dryRun: z.boolean().default(false),
});
export type DjangoSparkImportCommand = z.infer<typeof djangoSparkImportCommand>;

export type ImportCommandResult = { ok: true; report: DjangoSparkImportReport } | { ok: false; message: string };

/** The database a `--from` URL names; the password never appears in a refusal. */
export function targetOfUrl(raw: string): { ok: true; target: ConnectionTarget } | { ok: false; message: string } {
  return targetOfConnectionUrl(raw, "--from");
}

/**
 * The import from a URL the person at the shell typed, read like any connection: a read-only session
 * under a user that may only read, refused (saying what to change) when it may do more.
 */
export async function runDjangoSparkImport(
  deps: Deps,
  command: DjangoSparkImportCommand,
  { onProgress, signal }: { onProgress?: (report: DjangoSparkImportReport) => void; signal?: AbortSignal } = {},
): Promise<ImportCommandResult> {
  const target = targetOfUrl(command.from);
  if (!target.ok) return target;
  try {
    const connection = deps.connections.forTarget("django-spark", target.target);
    const report = await importDjangoSpark(deps, { connection, dryRun: command.dryRun, by: null, onProgress, signal });
    return { ok: true, report };
  } catch (error) {
    if (isConnectionError(error)) return { ok: false, message: error.message };
    throw error;
  }
}

/** One line about where an import stands, for a terminal or a progress bar. */
export function describeProgress(report: DjangoSparkImportReport): string {
  const e = report.events;
  const t = report.templates;
  const n = (value: number) => value.toLocaleString("en");
  const verb = report.dryRun ? "would be " : "";
  return `${n(e.read)} keys read: ${n(e.translated)} ${verb}translated, ${n(e.kept)} ${verb}kept as they were, ${n(e.present)} already present, ${n(e.skipped)} skipped; ${n(t.read)} templates: ${n(t.imported)} ${verb}imported, ${n(t.refused)} refused, ${n(t.present)} already present`;
}

/** A report without its lists, for progress sent many times over. */
export const countsOf = (report: DjangoSparkImportReport): DjangoSparkImportReport => ({
  ...report,
  events: { ...report.events, skips: [] },
  templates: { ...report.templates, items: [] },
});

/** The report as lines a person reads, the same at the shell and on the import page. */
export function reportLines(report: DjangoSparkImportReport): string[] {
  const lines: string[] = [];
  if (!report.tables.events) lines.push("There is no spark_event table this user can read: no handled keys to import.");
  if (!report.tables.mails)
    lines.push("There is no spark_mails_mail table this user can read: no templates to import.");
  for (const skip of report.events.skips) lines.push(`skipped ${skip.key} (group ${skip.group}): ${skip.reason}`);
  if (report.events.skipped > report.events.skips.length)
    lines.push(`… and ${report.events.skipped - report.events.skips.length} more skipped keys.`);
  for (const t of report.templates.items) {
    const what =
      t.outcome === "imported"
        ? report.dryRun
          ? `would be imported as "${t.name}"`
          : `imported, inactive, as "${t.name}"`
        : t.outcome === "present"
          ? `already present as "${t.name}"`
          : `refused: ${t.reason}`;
    lines.push(`template for ${t.group}: ${what}`);
  }
  lines.push(`${report.dryRun ? "Dry run, nothing written: " : ""}${describeProgress(report)}.`);
  if (report.stopped) lines.push("Stopped before the end: run the same import again to go on.");
  return lines;
}
