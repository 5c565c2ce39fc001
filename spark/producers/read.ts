import { z } from "zod";
import { escapeLike } from "@/db/like";
import {
  currentStreamVersions,
  listStreamEvents,
  nextTransactionId,
  readEventsInCommitOrder,
  streamName,
  type CommitPosition,
  type PublishedEvent,
} from "@/db/queries/event-streams";
import type { Deps } from "../deps";
import { aggregateSchema } from "../events/input";
import { GROUP_PATTERN_INPUT } from "../mail/group-pattern";

export const READ_LIMITS = { default: 100, max: 1000, scan: 5000 } as const;

/** An event as machines read it. */
export const apiEventSchema = z.object({
  id: z.number().int(),
  key: z.string(),
  group: z.string(),
  context: z.record(z.string(), z.unknown()),
  createdAt: z.string().describe("When it was recorded, ISO 8601 in UTC."),
  origin: z
    .string()
    .nullable()
    .describe('Where it came from: "api:<key id>", "outbox:<id>", "code:<source>" or "sql:<id>".'),
  aggregate: z.object({ type: z.string(), id: z.string(), version: z.number().int() }).optional(),
});
export type ApiEvent = z.infer<typeof apiEventSchema>;

export const readEventsResponseSchema = z.object({
  events: z.array(apiEventSchema),
  next: z.string().describe("Pass as `after` to read on; it may move even when `events` is empty."),
});

export const readStreamResponseSchema = z.object({
  type: z.string(),
  id: z.string(),
  version: z.number().int().describe("The stream's current version: 0 when it has no events."),
  events: z.array(apiEventSchema),
  nextAfterVersion: z.number().int().nullable().describe("Pass as `afterVersion` for the next page; null at the end."),
});

export const apiEventOf = (event: PublishedEvent): ApiEvent => ({
  id: event.id,
  key: event.key,
  group: event.group,
  context: event.context,
  createdAt: event.createdAt.toISOString(),
  origin: event.source,
  ...(event.aggregate ? { aggregate: event.aggregate } : {}),
});

const START: CommitPosition = { tx: "0", id: 0 };

/** A position as an opaque token: readers pass back what they were given and never build one. */
export function encodeCursor(position: CommitPosition): string {
  return Buffer.from(`v1.${position.tx}.${position.id}`).toString("base64url");
}

export function decodeCursor(cursor: string): CommitPosition | null {
  if (cursor.length > 100 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const match = /^v1\.(\d{1,20})\.(\d{1,16})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!match) return null;
  const tx = BigInt(match[1]!);
  const id = Number(match[2]);
  if (tx >= 2n ** 64n || !Number.isSafeInteger(id)) return null;
  return { tx: tx.toString(), id };
}

const limitSchema = z.coerce
  .number({ error: `limit must be a number from 1 to ${READ_LIMITS.max}.` })
  .int(`limit must be a whole number from 1 to ${READ_LIMITS.max}.`)
  .min(1, `limit must be from 1 to ${READ_LIMITS.max}.`)
  .max(READ_LIMITS.max, `limit must be at most ${READ_LIMITS.max}.`);

export const readEventsQuerySchema = z.object({
  after: z
    .string()
    .optional()
    .refine(
      (cursor) => cursor === undefined || cursor === "" || decodeCursor(cursor) !== null,
      "after is not a cursor from this server: start without it, or pass the `next` of a previous page.",
    )
    .describe("The `next` of the previous page; leave it out to start from the first event."),
  group: z
    .string()
    .optional()
    .refine(
      (group) => group === undefined || group === "" || GROUP_PATTERN_INPUT.test(group),
      "group must be a group or a pattern with * (letters, digits, _ . : - and *; up to 100).",
    )
    .describe("Only events of this group, or of a pattern where `*` is any run of characters (`order.*`)."),
  limit: limitSchema
    .optional()
    .describe(
      `Events per page, 1–${READ_LIMITS.max}; ${READ_LIMITS.default} when left out. A page also stops once its contexts reach 8 MiB (it always holds one event): follow \`next\` until a page comes back empty.`,
    ),
});
export type ReadEventsQuery = z.input<typeof readEventsQuerySchema>;

/** A group pattern (`*` is any run of characters) as a LIKE pattern, the rest taken literally. */
export function groupLikeOf(pattern: string): string {
  return pattern.split("*").map(escapeLike).join("%");
}

/**
 * A page of events in commit order after a cursor, and the cursor to read the next page from. An
 * empty page still returns a `next` that may be ahead of `after`: the events scanned past did not
 * match the pattern, and need not be scanned again.
 */
export async function readEvents(
  { db }: Pick<Deps, "db">,
  query: ReadEventsQuery,
): Promise<{ ok: true; events: ApiEvent[]; next: string } | { ok: false; message: string }> {
  const parsed = readEventsQuerySchema.safeParse(query);
  if (!parsed.success) return { ok: false, message: parsed.error.issues[0]!.message };
  const after = parsed.data.after ? decodeCursor(parsed.data.after)! : START;
  const limit = parsed.data.limit ?? READ_LIMITS.default;
  const group = parsed.data.group || null;
  const { events, scannedTo } = await readEventsInCommitOrder(db, {
    after,
    groupLike: group === null || group === "*" ? null : groupLikeOf(group),
    limit,
    scan: group === null ? limit : Math.max(limit, READ_LIMITS.scan),
  });
  // A cursor past every transaction so far was not issued by this server (or the database was
  // replaced): following it would silently skip everything until the server caught up.
  if (events.length === 0 && after.tx !== "0" && BigInt(after.tx) >= (await nextTransactionId(db)))
    return {
      ok: false,
      message:
        "after is ahead of every event this server has recorded: start without it, or pass a `next` it gave you.",
    };
  return { ok: true, events: events.map(apiEventOf), next: encodeCursor(scannedTo ?? after) };
}

export const readStreamQuerySchema = z.object({
  type: aggregateSchema.shape.type,
  id: aggregateSchema.shape.id,
  afterVersion: z.coerce
    .number({ error: "afterVersion must be a number." })
    .int("afterVersion must be a whole number.")
    .min(0, "afterVersion must be 0 or more.")
    .optional()
    .describe("Only events after this version: the `nextAfterVersion` of the previous page; 0 when left out."),
  limit: limitSchema
    .optional()
    .describe(
      `Events per page, 1–${READ_LIMITS.max}; ${READ_LIMITS.max} when left out. A page also stops once its contexts reach 8 MiB (it always holds one event); \`nextAfterVersion\` then says where to go on.`,
    ),
});
export type ReadStreamQuery = z.input<typeof readStreamQuerySchema>;

/** One aggregate's events in version order, a page at a time. */
export async function readStream(
  { db }: Pick<Deps, "db">,
  query: ReadStreamQuery,
): Promise<
  | { ok: true; type: string; id: string; version: number; events: ApiEvent[]; nextAfterVersion: number | null }
  | { ok: false; message: string }
> {
  const parsed = readStreamQuerySchema.safeParse(query);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, message: issue.message };
  }
  const { type, id } = parsed.data;
  const limit = parsed.data.limit ?? READ_LIMITS.max;
  const [{ events, cut }, versions] = await Promise.all([
    listStreamEvents(db, { stream: { type, id }, afterVersion: parsed.data.afterVersion ?? 0, limit }),
    currentStreamVersions(db, { streams: [{ type, id }] }),
  ]);
  return {
    ok: true,
    type,
    id,
    version: versions.get(streamName({ type, id })) ?? 0,
    events: events.map(apiEventOf),
    nextAfterVersion: events.length === limit || cut ? events.at(-1)!.aggregate!.version : null,
  };
}
