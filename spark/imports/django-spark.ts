import { listRecordedKeys } from "@/db/queries/events";
import { listGenerators } from "@/db/queries/generators";
import { insertImportedEvents, type ImportedEvent } from "@/db/queries/imported-events";
import { findTemplateIdByName } from "@/db/queries/templates";
import type { SourceConnection } from "../connections";
import type { Deps } from "../deps";
import { GROUP_PATTERN } from "../mail/group-pattern";
import { importDjangoSparkTemplate, saveTemplate } from "../mail/templates";
import {
  findDjangoSparkTables,
  MAX_TEMPLATE_CHARS,
  readDjangoSparkEvents,
  readDjangoSparkMails,
  type DjangoSparkEventRow,
} from "./django-spark-source";
import { printable, translateDjangoSparkKey, type SkipReason } from "./keys";

/** Where imported events say they came from; the event log, subscriptions and "past events" know it. */
export const DJANGO_SPARK_SOURCE = "import:django-spark";

const MAX_LISTED = 200;

export type SkippedKey = { key: string; group: string; reason: string };
export type TemplateOutcome = {
  group: string;
  name: string;
  outcome: "imported" | "refused" | "present";
  reason?: string;
  templateId?: string;
};

export type DjangoSparkImportReport = {
  dryRun: boolean;
  tables: { events: boolean; mails: boolean };
  events: {
    read: number;
    /** Recorded under Spark's key for the same group and candidate (in a dry run: would be). */
    translated: number;
    /** Recorded under django-spark's own key, which starts with no group. */
    kept: number;
    /** Already recorded in Spark: by a pass, an earlier import, or another row with the same key. */
    present: number;
    skipped: number;
    skippedBy: Partial<Record<SkipReason, number>>;
    /** The first skipped keys, printable, with why. */
    skips: SkippedKey[];
  };
  templates: { read: number; imported: number; refused: number; present: number; items: TemplateOutcome[] };
  /** Stopped before the end (the signal): what was done stays, and running again finishes it. */
  stopped: boolean;
};

export type ImportInput = {
  connection: SourceConnection;
  dryRun: boolean;
  by: string | null;
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (report: DjangoSparkImportReport) => void;
};

// The template checks find each variable's line by reading the text from its start (liquidjs'
// Token.getPosition), so their time grows with the square of the variables: 35,000 `{{ a }}` in one
// source held the server's event loop for 40 seconds. A mail has a few dozen; this many is no mail.
const MAX_TEMPLATE_TAGS = 2_000;

const templateNameOf = (group: string) => `django-spark ${group}`;
// A template's name, as the editor allows it.
const MAX_TEMPLATE_NAME = 100;

/**
 * Brings a django-spark site's history over: every key of its spark_event table is recorded as an event
 * already handled (translated to Spark's key for the same group and candidate), without handlers, mail
 * or publishing; every spark_mails_mail becomes an inactive template, through the same checks as any
 * template. Reads through the connection's read-only sessions, a batch per statement. Running it again
 * changes nothing and reports everything as present.
 */
export async function importDjangoSpark(deps: Deps, input: ImportInput): Promise<DjangoSparkImportReport> {
  const { connection, dryRun, signal, onProgress } = input;
  const report: DjangoSparkImportReport = {
    dryRun,
    tables: await findDjangoSparkTables(connection),
    events: { read: 0, translated: 0, kept: 0, present: 0, skipped: 0, skippedBy: {}, skips: [] },
    templates: { read: 0, imported: 0, refused: 0, present: 0, items: [] },
    stopped: false,
  };
  if (report.tables.events) {
    const knownGroups = [...new Set((await listGenerators(deps.db)).map((g) => g.group))];
    for await (const rows of readDjangoSparkEvents(connection, { batchSize: input.batchSize ?? 2_000 })) {
      await importKeys(deps, report, rows, knownGroups);
      onProgress?.(report);
      if (signal?.aborted) return { ...report, stopped: true };
    }
  }
  if (report.tables.mails) {
    for await (const rows of readDjangoSparkMails(connection, { batchSize: 20 })) {
      for (const row of rows) {
        report.templates.read++;
        const item = await importMail(deps, row, input);
        report.templates[item.outcome]++;
        if (report.templates.items.length < MAX_LISTED) report.templates.items.push(item);
      }
      onProgress?.(report);
      if (signal?.aborted) return { ...report, stopped: true };
    }
  }
  return report;
}

async function importKeys(
  deps: Deps,
  report: DjangoSparkImportReport,
  rows: DjangoSparkEventRow[],
  knownGroups: string[],
) {
  const { events: tally } = report;
  const now = deps.clock();
  const planned: { kind: "translated" | "kept"; event: ImportedEvent }[] = [];
  for (const row of rows) {
    tally.read++;
    const outcome = translateDjangoSparkKey(row, knownGroups);
    if (outcome.kind === "skipped") {
      tally.skipped++;
      tally.skippedBy[outcome.why] = (tally.skippedBy[outcome.why] ?? 0) + 1;
      if (tally.skips.length < MAX_LISTED)
        tally.skips.push({ key: printable(row.key), group: printable(row.group, 60), reason: outcome.reason });
      continue;
    }
    // A time django-spark could not have written (none, or later than now) is the time of the import.
    const at = row.createdAt && row.createdAt.getTime() <= now.getTime() ? row.createdAt : now;
    planned.push({
      kind: outcome.kind,
      event: {
        group: outcome.group,
        key: outcome.key,
        context: { django_spark_key: row.key },
        source: DJANGO_SPARK_SOURCE,
        createdAt: at,
      },
    });
  }
  const events = planned.map((p) => p.event);
  const fresh = dryRun(report)
    ? difference(
        events.map((e) => e.key),
        await listRecordedKeys(deps.db, { keys: events.map((e) => e.key) }),
      )
    : await insertImportedEvents(deps.db, { events });
  for (const { kind, event } of planned) {
    // Only the first row of a batch with a given key is new; the others meet it.
    if (fresh.delete(event.key)) tally[kind]++;
    else tally.present++;
  }
}

const dryRun = (report: DjangoSparkImportReport) => report.dryRun;
const difference = (keys: string[], existing: Set<string>) => new Set(keys.filter((k) => !existing.has(k)));

async function importMail(
  deps: Deps,
  row: { id: string; group: string; source: string; sourceLength: number },
  { dryRun, by }: ImportInput,
): Promise<TemplateOutcome> {
  const group = row.group.trim();
  const shown = printable(row.group, 60);
  if (!GROUP_PATTERN.test(group))
    return {
      group: shown,
      name: "",
      outcome: "refused",
      reason: `Its event group ${shown} is not a Spark group (letters, digits and _ . : -, at most 100).`,
    };
  const name = templateNameOf(group);
  if (name.length > MAX_TEMPLATE_NAME)
    return {
      group,
      name: "",
      outcome: "refused",
      reason: `Its event group is too long to name the template "${templateNameOf("")}<group>" in ${MAX_TEMPLATE_NAME} characters; import it by hand under Templates → Import django-spark template.`,
    };
  const existing = await findTemplateIdByName(deps.db, { name });
  if (existing) return { group, name, outcome: "present", templateId: existing };
  if (row.sourceLength > MAX_TEMPLATE_CHARS)
    return {
      group,
      name,
      outcome: "refused",
      reason: `The template is over ${MAX_TEMPLATE_CHARS / 1000}k characters.`,
    };
  const tags = row.source.match(/\{[{%]/g)?.length ?? 0;
  if (tags > MAX_TEMPLATE_TAGS)
    return {
      group,
      name,
      outcome: "refused",
      reason: `The template has ${tags.toLocaleString("en")} {{ }} and {% %}; Spark imports templates of up to ${MAX_TEMPLATE_TAGS.toLocaleString("en")}.`,
    };
  const imported = importDjangoSparkTemplate(row.source);
  if (!imported.ok) return { group, name, outcome: "refused", reason: shownReason(imported.errors.join(" ")) };
  const { subject, text } = imported;
  if (dryRun) return { group, name, outcome: "imported" };
  const result = await saveTemplate(deps, {
    input: {
      name,
      group,
      active: false,
      layout: "",
      from: "",
      to: "",
      cc: "",
      bcc: "",
      replyTo: "",
      subject,
      html: "",
      text,
    },
    by,
    note: "imported from django-spark",
  });
  if (result.status === "ok") return { group, name, outcome: "imported", templateId: result.template.id };
  if (result.status === "invalid") {
    const reasons = Object.entries(result.fieldErrors).map(([field, messages]) =>
      field === "name" && /Another template/.test(messages[0] ?? "")
        ? messages[0]!
        : `${field === "subject" ? "subject" : "body"}: ${atSourceLine(row.source, field, messages[0] ?? "")}`,
    );
    // Created meanwhile by another import: as present as if it had been there first.
    if (reasons.length === 1 && /Another template/.test(reasons[0]!)) {
      const id = await findTemplateIdByName(deps.db, { name });
      if (id) return { group, name, outcome: "present", templateId: id };
    }
    return { group, name, outcome: "refused", reason: shownReason(reasons.join("; ")) };
  }
  return { group, name, outcome: "refused", reason: "The template could not be saved; run the import again." };
}

const MAX_REASON_CHARS = 500;

/**
 * A refusal as a report shows it, at the shell and on the page: the checks quote the source's own text,
 * which is someone else's data, so control characters (a terminal's escape sequences) are written as
 * \u escapes, and a quoted line of 300k characters, listed for up to 200 templates, is cut.
 */
export function shownReason(reason: string): string {
  const escaped = reason.replace(
    /[\p{Cc}\u2028\u2029]/gu,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  const chars = Array.from(escaped.slice(0, MAX_REASON_CHARS * 2 + 2));
  return chars.length > MAX_REASON_CHARS ? `${chars.slice(0, MAX_REASON_CHARS).join("")}…` : chars.join("");
}

/**
 * The template checks count lines in the subject or the body; both hold the whole translated source,
 * line for line, so the line is the source's own.
 */
export function atSourceLine(_source: string, _field: string, message: string): string {
  return message.replace(/\bline (\d+)/, "line $1 of the template");
}
