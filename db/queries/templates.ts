import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { Db, Tx } from "../client";
import {
  mailTemplates,
  templateVersions,
  type MailTemplate,
  type TemplateFieldValues,
  type TemplateVersion,
} from "../schema";

type Conn = Db | Tx;

export const templateColumns = (fields: TemplateFieldValues) => ({
  name: fields.name,
  groupPattern: fields.group,
  active: fields.active,
  layout: fields.layout ?? "",
  fromAddress: fields.from,
  toAddress: fields.to,
  cc: fields.cc,
  bcc: fields.bcc,
  replyTo: fields.replyTo,
  subject: fields.subject,
  html: fields.html,
  text: fields.text,
});

/** The one mapper from a template row to the fields an operator edits (columns are named for SQL). */
export const templateFieldsOf = (t: MailTemplate): Required<TemplateFieldValues> => ({
  name: t.name,
  group: t.groupPattern,
  active: t.active,
  layout: t.layout,
  from: t.fromAddress,
  to: t.toAddress,
  cc: t.cc,
  bcc: t.bcc,
  replyTo: t.replyTo,
  subject: t.subject,
  html: t.html,
  text: t.text,
});

export async function listTemplates(db: Conn): Promise<MailTemplate[]> {
  return db
    .select()
    .from(mailTemplates)
    .orderBy(asc(sql`lower(${mailTemplates.name})`));
}

export async function listActiveTemplates(db: Conn): Promise<MailTemplate[]> {
  return db
    .select()
    .from(mailTemplates)
    .where(eq(mailTemplates.active, true))
    .orderBy(asc(mailTemplates.createdAt), asc(mailTemplates.id));
}

export async function findTemplateById(db: Conn, { id }: { id: string }): Promise<MailTemplate | null> {
  const [row] = await db.select().from(mailTemplates).where(eq(mailTemplates.id, id));
  return row ?? null;
}

export async function findTemplateIdByName(db: Conn, { name }: { name: string }): Promise<string | null> {
  const [row] = await db
    .select({ id: mailTemplates.id })
    .from(mailTemplates)
    .where(eq(sql`lower(${mailTemplates.name})`, name.toLowerCase()));
  return row?.id ?? null;
}

/** Null when the name is taken (case-insensitively). */
export async function insertTemplate(
  tx: Tx,
  {
    fields,
    draftReason = null,
    by,
    at,
  }: { fields: TemplateFieldValues; draftReason?: string | null; by: string | null; at: Date },
): Promise<MailTemplate | null> {
  const [row] = await tx
    .insert(mailTemplates)
    .values({ ...templateColumns(fields), draftReason, version: 1, updatedBy: by, createdAt: at, updatedAt: at })
    .onConflictDoNothing()
    .returning();
  return row ?? null;
}

/**
 * Writes the new fields and bumps the version, locking the row so two saves number their versions apart.
 * With `version`, only while the row is still at that version: the check and the bump are one UPDATE,
 * so of two saves from the same version exactly one wins. Null when no row matched.
 */
export async function updateTemplateById(
  tx: Tx,
  {
    id,
    version,
    fields,
    draftReason = null,
    by,
    at,
  }: {
    id: string;
    version?: number;
    fields: TemplateFieldValues;
    draftReason?: string | null;
    by: string | null;
    at: Date;
  },
): Promise<MailTemplate | null> {
  const [row] = await tx
    .update(mailTemplates)
    .set({
      ...templateColumns(fields),
      draftReason,
      version: sql`${mailTemplates.version} + 1`,
      updatedBy: by,
      updatedAt: at,
    })
    .where(and(eq(mailTemplates.id, id), version === undefined ? undefined : eq(mailTemplates.version, version)))
    .returning();
  return row ?? null;
}

/**
 * The list's switch. A real change bumps the version (so a form loaded before it is stale) and returns
 * the row; setting the state it already has changes nothing and returns null, as does a gone template.
 */
export async function updateTemplateActiveById(
  tx: Tx,
  {
    id,
    active,
    draftReason,
    by,
    at,
  }: { id: string; active: boolean; draftReason?: string | null; by: string | null; at: Date },
): Promise<MailTemplate | null> {
  const [row] = await tx
    .update(mailTemplates)
    .set({
      active,
      updatedAt: at,
      updatedBy: by,
      version: sql`${mailTemplates.version} + 1`,
      ...(draftReason === undefined ? {} : { draftReason }),
    })
    .where(
      and(
        eq(mailTemplates.id, id),
        draftReason === undefined
          ? sql`${mailTemplates.active} is distinct from ${active}`
          : sql`(${mailTemplates.active} is distinct from ${active} or ${mailTemplates.draftReason} is distinct from ${draftReason})`,
      ),
    )
    .returning();
  return row ?? null;
}

export async function deleteTemplateById(db: Conn, { id }: { id: string }): Promise<boolean> {
  return (
    (await db.delete(mailTemplates).where(eq(mailTemplates.id, id)).returning({ id: mailTemplates.id })).length === 1
  );
}

export async function insertTemplateVersion(
  tx: Tx,
  version: {
    templateId: string;
    version: number;
    fields: TemplateFieldValues;
    note: string;
    createdBy: string | null;
    createdAt: Date;
  },
) {
  await tx.insert(templateVersions).values(version);
}

export async function listTemplateVersions(
  db: Conn,
  { templateId }: { templateId: string },
): Promise<TemplateVersion[]> {
  return db
    .select()
    .from(templateVersions)
    .where(eq(templateVersions.templateId, templateId))
    .orderBy(desc(templateVersions.version));
}

export async function findTemplateVersion(
  db: Conn,
  { templateId, version }: { templateId: string; version: number },
): Promise<TemplateVersion | null> {
  const [row] = await db
    .select()
    .from(templateVersions)
    .where(and(eq(templateVersions.templateId, templateId), eq(templateVersions.version, version)));
  return row ?? null;
}
