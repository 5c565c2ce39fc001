import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

/** A 64-bit transaction id: what commit-ordered reads sort by, compared below the oldest running one. */
const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => "xid8" });

const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
};

export const operatorRoles = ["admin", "operator"] as const;
export type OperatorRole = (typeof operatorRoles)[number];

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    // Null until an invited operator chooses a password: such an account cannot log in.
    passwordHash: text("password_hash"),
    role: text("role", { enum: operatorRoles }).notNull().default("operator"),
    disabledAt: timestamp("disabled_at", { withTimezone: true }),
    lastLoginAt: timestamp("last_login_at", { withTimezone: true }),
    passwordChangedAt: timestamp("password_changed_at", { withTimezone: true }),
    // Bumped by every change an admin makes, so a stale edit form is refused instead of overwriting.
    version: integer("version").notNull().default(1),
    updatedBy: uuid("updated_by"),
    ...timestamps,
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("users_email_lower_key").on(sql`lower(${t.email})`)],
);

export const sessions = pgTable(
  "sessions",
  {
    // SHA-256 of the cookie's token: a leaked table row cannot be replayed as a cookie.
    id: text("id").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
    ...timestamps,
  },
  (t) => [index("sessions_user_id_idx").on(t.userId), index("sessions_expires_at_idx").on(t.expiresAt)],
);

export const accountTokenPurposes = ["setup", "invite"] as const;
export type AccountTokenPurpose = (typeof accountTokenPurposes)[number];

export const accountTokens = pgTable(
  "account_tokens",
  {
    // SHA-256 of the token in the link, for the same reason as sessions.id.
    id: text("id").primaryKey(),
    purpose: text("purpose", { enum: accountTokenPurposes }).notNull(),
    userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    ...timestamps,
  },
  (t) => [index("account_tokens_user_id_idx").on(t.userId)],
);

export const loginFailures = pgTable(
  "login_failures",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    email: text("email").notNull(),
    ip: text("ip").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull(),
  },
  (t) => [index("login_failures_email_at_idx").on(t.email, t.at), index("login_failures_ip_at_idx").on(t.ip, t.at)],
);

/** A variable's type, shared by code sources, SQL sources and condition values. */
export const variableTypes = ["number", "string", "boolean", "timestamp", "json"] as const;
export type VariableType = (typeof variableTypes)[number];
export type VariableSpec = { type: VariableType; description?: string };

export const conditionOperators = [">", "<", ">=", "<=", "=", "!=", "contains", "is empty", "is not empty"] as const;
export type ConditionOperator = (typeof conditionOperators)[number];
export type Condition = { variable: string; operator: ConditionOperator; value?: string };

export const connectionKinds = ["sample", "postgres", "mysql"] as const;
export type ConnectionKind = (typeof connectionKinds)[number];
export const connectionOrigins = ["builtin", "ui", "env"] as const;
export type ConnectionOrigin = (typeof connectionOrigins)[number];

/**
 * A named, read-only place SQL sources read from. Spark's own database is never one. Passwords of
 * connections made in the UI are sealed with SPARK_SECRET_KEY; those declared in the environment keep
 * theirs in the environment, and the row only names them.
 */
export const connections = pgTable(
  "connections",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    kind: text("kind", { enum: connectionKinds }).notNull(),
    origin: text("origin", { enum: connectionOrigins }).notNull().default("ui"),
    host: text("host").notNull().default(""),
    port: integer("port"),
    database: text("database").notNull().default(""),
    username: text("username").notNull().default(""),
    // AES-256-GCM under SPARK_SECRET_KEY ("v1.<iv>.<tag>.<ciphertext>", base64url); never sent to a page.
    passwordSealed: text("password_sealed"),
    ssl: boolean("ssl").notNull().default(false),
    // The last "Test connection": when, and what it found wrong (null when it passed).
    checkedAt: timestamp("checked_at", { withTimezone: true }),
    checkError: text("check_error"),
    version: integer("version").notNull().default(1),
    ...timestamps,
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    updatedBy: uuid("updated_by").references(() => users.id, { onDelete: "set null" }),
  },
  (t) => [uniqueIndex("connections_name_key").on(sql`lower(${t.name})`)],
);

export const sqlSources = pgTable("sql_sources", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull().unique(),
  description: text("description").notNull().default(""),
  // Null for a source from before connections whose place could not be told: it needs one before it runs.
  connectionId: uuid("connection_id").references(() => connections.id, { onDelete: "restrict" }),
  query: text("query").notNull(),
  // The columns of the last successful test, so the generator form can offer them without running it.
  variables: jsonb("variables").$type<Record<string, VariableSpec>>().notNull().default({}),
  version: integer("version").notNull().default(1),
  ...timestamps,
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  updatedBy: uuid("updated_by").references(() => users.id, { onDelete: "set null" }),
});

/**
 * A table in an application's own database that it writes events to inside its business transactions
 * (the transactional outbox): each pass records the rows it has not read yet, with their own group and key.
 */
export const outboxSources = pgTable("outbox_sources", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull().unique(),
  description: text("description").notNull().default(""),
  connectionId: uuid("connection_id")
    .notNull()
    .references(() => connections.id, { onDelete: "restrict" }),
  tableName: text("table_name").notNull(),
  active: boolean("active").notNull().default(false),
  // Every row with an id at or below the checkpoint has been read, or its id is one of the gaps: ids
  // skipped when read, which a transaction still open may yet commit, re-checked until they are old.
  checkpoint: bigint("checkpoint", { mode: "number" }).notNull().default(0),
  gaps: jsonb("gaps").$type<OutboxGap[]>().notNull().default([]),
  lastReadAt: timestamp("last_read_at", { withTimezone: true }),
  lastError: text("last_error"),
  version: integer("version").notNull().default(1),
  ...timestamps,
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  updatedBy: uuid("updated_by").references(() => users.id, { onDelete: "set null" }),
});
export type OutboxGap = { from: number; to: number; seenAt: string };

export const apiKeyScopes = ["ingest", "read", "mail", "admin"] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

/** A machine's credential: only a hash of the secret is kept, so a stolen database yields no key. */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    // The key's first characters, enough to tell keys apart in a list without revealing them.
    prefix: text("prefix").notNull(),
    secretHash: text("secret_hash").notNull().unique(),
    scopes: text("scopes").array().$type<ApiKeyScope[]>().notNull(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    ...timestamps,
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    revokedBy: uuid("revoked_by").references(() => users.id, { onDelete: "set null" }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    lastUsedAddress: text("last_used_address"),
  },
  (t) => [
    uniqueIndex("api_keys_live_name_key")
      .on(sql`lower(${t.name})`)
      .where(sql`revoked_at is null`),
  ],
);

export const subscriptionKinds = ["webhook", "code", "rabbitmq", "nats"] as const;
export type SubscriptionKind = (typeof subscriptionKinds)[number];
export const subscriptionStatuses = ["active", "paused", "disabled"] as const;
export type SubscriptionStatus = (typeof subscriptionStatuses)[number];

/**
 * Events of a group pattern, read in commit order from a checkpoint and handed to a destination: a
 * webhook endpoint, a code subscriber or a broker relay. The checkpoint is a commit-order position
 * (transaction id, event id); it moves only after the destination accepted what is before it.
 */
export const subscriptions = pgTable(
  "subscriptions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    kind: text("kind", { enum: subscriptionKinds }).notNull(),
    groupPattern: text("group_pattern").notNull(),
    // The webhook's URL, the code subscriber's name, or the broker's address (never with its password).
    target: text("target").notNull(),
    // Kind-specific settings that are not secret: a broker's exchange and routing key, a subject.
    config: jsonb("config").$type<Record<string, unknown>>().notNull().default({}),
    // Sealed under SPARK_SECRET_KEY like connection passwords: the signing secret (or broker password),
    // the previous one while a rotation's grace period lasts, and extra headers (they often carry tokens).
    secretSealed: text("secret_sealed"),
    previousSecretSealed: text("previous_secret_sealed"),
    previousSecretUntil: timestamp("previous_secret_until", { withTimezone: true }),
    headersSealed: text("headers_sealed"),
    strictOrder: boolean("strict_order").notNull().default(false),
    attemptLimit: integer("attempt_limit").notNull().default(8),
    status: text("status", { enum: subscriptionStatuses }).notNull().default("active"),
    disabledReason: text("disabled_reason"),
    checkpointTx: xid8("checkpoint_tx")
      .notNull()
      .default(sql`'0'::xid8`),
    checkpointId: bigint("checkpoint_id", { mode: "number" }).notNull().default(0),
    // One reader per subscription across instances: whoever holds an unexpired lease.
    leaseHolder: text("lease_holder"),
    leaseUntil: timestamp("lease_until", { withTimezone: true }),
    // Since when every attempt has failed (null after a success): a long enough run disables it.
    failingSince: timestamp("failing_since", { withTimezone: true }),
    lastError: text("last_error"),
    lastErrorAt: timestamp("last_error_at", { withTimezone: true }),
    lastDeliveredAt: timestamp("last_delivered_at", { withTimezone: true }),
    // When the last event handed on was recorded: how far behind the subscription is, in time.
    lastEventAt: timestamp("last_event_at", { withTimezone: true }),
    deliveredCount: bigint("delivered_count", { mode: "number" }).notNull().default(0),
    version: integer("version").notNull().default(1),
    ...timestamps,
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    updatedBy: uuid("updated_by").references(() => users.id, { onDelete: "set null" }),
  },
  (t) => [uniqueIndex("subscriptions_name_key").on(sql`lower(${t.name})`)],
);

/**
 * Events a subscription could not hand on yet: waiting for their next attempt, or parked after the
 * destination's attempt limit (visible, replayable, never dropped).
 */
export const subscriptionBacklog = pgTable(
  "subscription_backlog",
  {
    subscriptionId: uuid("subscription_id")
      .notNull()
      .references(() => subscriptions.id, { onDelete: "cascade" }),
    eventId: bigint("event_id", { mode: "number" }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull(),
    lastError: text("last_error"),
    parkedAt: timestamp("parked_at", { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    primaryKey({ columns: [t.subscriptionId, t.eventId] }),
    index("subscription_backlog_due_idx")
      .on(t.subscriptionId, t.nextAttemptAt)
      .where(sql`parked_at is null`),
  ],
);

export const subscriptionAttemptOutcomes = ["delivered", "failed", "parked"] as const;

/** Every attempt to hand an event on, like a mail delivery's attempts: when, how long, what came back. */
export const subscriptionAttempts = pgTable(
  "subscription_attempts",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    subscriptionId: uuid("subscription_id")
      .notNull()
      .references(() => subscriptions.id, { onDelete: "cascade" }),
    eventId: bigint("event_id", { mode: "number" }).notNull(),
    attempt: integer("attempt").notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    durationMs: integer("duration_ms").notNull(),
    outcome: text("outcome", { enum: subscriptionAttemptOutcomes }).notNull(),
    statusCode: integer("status_code"),
    // The first bytes of the answer, for the operator; never more.
    response: text("response"),
    error: text("error"),
  },
  (t) => [
    index("subscription_attempts_subscription_idx").on(t.subscriptionId, t.id),
    index("subscription_attempts_started_at_idx").on(t.startedAt),
  ],
);

export const inboundKinds = ["rabbitmq", "nats"] as const;
export type InboundKind = (typeof inboundKinds)[number];

/**
 * A broker queue (RabbitMQ) or stream consumer (NATS JetStream) whose messages become events through the
 * same path as the ingest API; each message is acknowledged only after its event's transaction commits.
 */
export const inbounds = pgTable(
  "inbounds",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    kind: text("kind", { enum: inboundKinds }).notNull(),
    // The broker's address without its password, which is sealed apart like a connection's.
    target: text("target").notNull(),
    // The queue, or the stream and durable consumer, and how a message maps to an event.
    config: jsonb("config").$type<Record<string, unknown>>().notNull().default({}),
    secretSealed: text("secret_sealed"),
    active: boolean("active").notNull().default(false),
    received: bigint("received", { mode: "number" }).notNull().default(0),
    recorded: bigint("recorded", { mode: "number" }).notNull().default(0),
    duplicates: bigint("duplicates", { mode: "number" }).notNull().default(0),
    rejected: bigint("rejected", { mode: "number" }).notNull().default(0),
    lastMessageAt: timestamp("last_message_at", { withTimezone: true }),
    lastError: text("last_error"),
    lastErrorAt: timestamp("last_error_at", { withTimezone: true }),
    version: integer("version").notNull().default(1),
    ...timestamps,
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    updatedBy: uuid("updated_by").references(() => users.id, { onDelete: "set null" }),
  },
  (t) => [uniqueIndex("inbounds_name_key").on(sql`lower(${t.name})`)],
);

/** Messages an inbound refused as events (dead-lettered or terminated), with why: never silently dropped. */
export const inboundRejections = pgTable(
  "inbound_rejections",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    inboundId: uuid("inbound_id")
      .notNull()
      .references(() => inbounds.id, { onDelete: "cascade" }),
    at: timestamp("at", { withTimezone: true }).notNull(),
    reason: text("reason").notNull(),
    // Where it came from on the broker, and the first bytes of its body.
    routingKey: text("routing_key"),
    messageId: text("message_id"),
    body: text("body"),
  },
  (t) => [index("inbound_rejections_inbound_idx").on(t.inboundId, t.id)],
);

export const generators = pgTable(
  "generators",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    group: text("event_group").notNull(),
    // "code:<name>" for a source registered in spark/sources, "sql:<uuid>" for an operator's SQL source.
    source: text("source").notNull(),
    conditions: jsonb("conditions").$type<Condition[]>().notNull().default([]),
    active: boolean("active").notNull().default(true),
    version: integer("version").notNull().default(1),
    ...timestamps,
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    updatedBy: uuid("updated_by").references(() => users.id, { onDelete: "set null" }),
  },
  (t) => [uniqueIndex("generators_name_key").on(sql`lower(${t.name})`), index("generators_source_idx").on(t.source)],
);

export const jobTriggers = ["cron", "schedule", "manual", "cli"] as const;
export type JobTrigger = (typeof jobTriggers)[number];
export const jobStatuses = ["running", "ok", "error", "skipped"] as const;
export type JobStatus = (typeof jobStatuses)[number];

export type JobError = { where: string; message: string; key?: string; generatorId?: string };
export type GeneratorCounts = {
  id: string;
  name: string;
  group: string;
  source: string;
  candidates: number;
  passed: number;
  recorded: number;
  seen: number;
  failed: number;
  error?: string;
};
export type JobProgress = {
  phase: string;
  candidates: number;
  recorded: number;
  seen: number;
  sent?: number;
  failed?: number;
  dead?: number;
};
export type JobSummary = {
  runId: number | null;
  status: Exclude<JobStatus, "running">;
  trigger: JobTrigger;
  message?: string;
  events: { recorded: number; seen: number };
  deliveries: { sent: number; failed: number; dead: number };
  generators: GeneratorCounts[];
  groups: Record<string, { recorded: number; seen: number }>;
  errors: JobError[];
  durationMs: number;
};

export const jobRuns = pgTable(
  "job_runs",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    trigger: text("trigger", { enum: jobTriggers }).notNull(),
    status: text("status", { enum: jobStatuses }).notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    durationMs: integer("duration_ms"),
    progress: jsonb("progress").$type<JobProgress>(),
    summary: jsonb("summary").$type<JobSummary>(),
    startedBy: uuid("started_by").references(() => users.id, { onDelete: "set null" }),
    // Which Spark instance ran the pass: host and process id.
    instance: text("instance"),
  },
  (t) => [index("job_runs_started_at_idx").on(t.startedAt)],
);

/** One row: the lease that keeps two passes from doing the same work at once. */
export const jobLease = pgTable("job_lease", {
  id: integer("id").primaryKey(),
  runId: bigint("run_id", { mode: "number" }),
  holder: text("holder"),
  expiresAt: timestamp("expires_at", { withTimezone: true }),
});

export const events = pgTable(
  "events",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    group: text("event_group").notNull(),
    key: text("key").notNull().unique(),
    context: jsonb("context").$type<Record<string, unknown>>().notNull(),
    // No foreign key on purpose: a per-row constraint check would cost the hot insert path a third of
    // its speed, and an event must outlive the generator that made it (the log shows "deleted generator").
    generatorId: uuid("generator_id"),
    source: text("source"),
    jobRunId: bigint("job_run_id", { mode: "number" }),
    // The recording transaction: readers page by (tx_id, id) below the oldest transaction still running,
    // so an event whose transaction commits late is never skipped by a reader that already went past it.
    txId: xid8("tx_id")
      .notNull()
      .default(sql`pg_current_xact_id()`),
    // Set together for an event appended to an aggregate's stream; versions run 1, 2, 3… per stream.
    aggregateType: text("aggregate_type"),
    aggregateId: text("aggregate_id"),
    aggregateVersion: integer("aggregate_version"),
    ...timestamps,
  },
  // The log pages newest first by (created_at, id) under each filter, so each filter's index ends in both.
  (t) => [
    index("events_tx_id_id_idx").on(t.txId, t.id),
    uniqueIndex("events_aggregate_version_key")
      .on(t.aggregateType, t.aggregateId, t.aggregateVersion)
      .where(sql`aggregate_type is not null`),
    index("events_created_at_id_idx").on(t.createdAt, t.id),
    index("events_group_created_at_id_idx").on(t.group, t.createdAt, t.id),
    index("events_generator_created_at_id_idx").on(t.generatorId, t.createdAt, t.id),
    index("events_source_created_at_id_idx").on(t.source, t.createdAt, t.id),
    index("events_key_trgm_idx").using("gin", t.key.op("gin_trgm_ops")),
  ],
);

export const partialKinds = ["partial", "layout"] as const;
export type PartialKind = (typeof partialKinds)[number];

/**
 * Liquid that templates pull in by name: a partial through `{% include %}` / `{% render %}`, a layout
 * (HTML around `{{ content }}`) chosen by a template or through `{% layout %}`. Liquid never reads files:
 * these rows are the only thing those tags can reach.
 */
export const partials = pgTable(
  "partials",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    kind: text("kind", { enum: partialKinds }).notNull(),
    body: text("body").notNull().default(""),
    version: integer("version").notNull().default(1),
    ...timestamps,
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    updatedBy: uuid("updated_by").references(() => users.id, { onDelete: "set null" }),
  },
  (t) => [uniqueIndex("partials_name_key").on(sql`lower(${t.name})`)],
);

export type PartialFieldValues = { name: string; kind: PartialKind; body: string };

export const partialVersions = pgTable(
  "partial_versions",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    partialId: uuid("partial_id")
      .notNull()
      .references(() => partials.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    fields: jsonb("fields").$type<PartialFieldValues>().notNull(),
    note: text("note").notNull().default(""),
    ...timestamps,
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
  },
  (t) => [uniqueIndex("partial_versions_partial_version_key").on(t.partialId, t.version)],
);

/** The fields an operator edits; every save stores a copy of them as a version. */
export type TemplateFieldValues = {
  name: string;
  group: string;
  active: boolean;
  /** The stored layout the HTML body is wrapped in; empty for none. Older versions lack it. */
  layout?: string;
  from: string;
  to: string;
  cc: string;
  bcc: string;
  replyTo: string;
  subject: string;
  html: string;
  text: string;
};

export const mailTemplates = pgTable(
  "mail_templates",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    // An exact group or a pattern with * wildcards; never an operator-supplied regular expression.
    groupPattern: text("group_pattern").notNull(),
    subject: text("subject").notNull().default(""),
    html: text("html").notNull().default(""),
    text: text("text").notNull().default(""),
    fromAddress: text("from_address").notNull().default(""),
    toAddress: text("to_address").notNull().default(""),
    cc: text("cc").notNull().default(""),
    bcc: text("bcc").notNull().default(""),
    replyTo: text("reply_to").notNull().default(""),
    active: boolean("active").notNull().default(true),
    // The name of a stored layout (partials.kind = 'layout') the HTML body is wrapped in; "" for none.
    layout: text("layout").notNull().default(""),
    // Why a template was kept as an inactive draft: it did not render on a recent event of its group.
    draftReason: text("draft_reason"),
    version: integer("version").notNull().default(1),
    ...timestamps,
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    updatedBy: uuid("updated_by").references(() => users.id, { onDelete: "set null" }),
  },
  (t) => [uniqueIndex("mail_templates_name_key").on(sql`lower(${t.name})`)],
);

export const templateVersions = pgTable(
  "template_versions",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    templateId: uuid("template_id")
      .notNull()
      .references(() => mailTemplates.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    fields: jsonb("fields").$type<TemplateFieldValues>().notNull(),
    // What the operator did: a save, a restore of version N, an import.
    note: text("note").notNull().default(""),
    ...timestamps,
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
  },
  (t) => [uniqueIndex("template_versions_template_version_key").on(t.templateId, t.version)],
);

/**
 * Mail waiting to be rendered: one narrow row per (event, template), written in the event's
 * transaction instead of rendered mail, so recording an event costs one small insert per template.
 * The sender renders it with the template version and the partials as they were when it was queued
 * (partial_versions up to `partials_revision`), so a later edit never changes queued mail. No foreign
 * keys and no index but the key: an event rolled back by its handler leaves a row the sender drops,
 * and nothing but the sender, in id order, ever reads the table.
 */
export const mailOutbox = pgTable("mail_outbox", {
  id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
  eventId: bigint("event_id", { mode: "number" }).notNull(),
  templateId: uuid("template_id").notNull(),
  templateVersion: integer("template_version").notNull(),
  partialsRevision: bigint("partials_revision", { mode: "number" }).notNull(),
  // A sender rendering the row holds it until then; a crashed sender's rows are taken again after.
  claimedUntil: timestamp("claimed_until", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const deliveryStatuses = ["queued", "sending", "sent", "failed", "dead", "skipped"] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];
export type DeliveryHeaders = { from: string; to: string[]; cc: string[]; replyTo: string[] };

/**
 * The outbox: one row per (event, template, envelope recipient), written in the event's transaction.
 * Each is one SMTP envelope, so a recipient's retries never resend to the others.
 */
/**
 * One row per action an operator asked for with a one-time token (a test send): a replayed or doubled
 * request finds its token taken and gets the first answer instead of doing the work again. Swept once
 * older than the retention age; a token is only ever replayed within seconds.
 */
export const actionReceipts = pgTable(
  "action_receipts",
  {
    token: uuid("token").primaryKey(),
    action: text("action").notNull(),
    userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
    // The answer the first request gave, once it finished; null while it is still under way.
    answer: jsonb("answer").$type<Record<string, unknown>>(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  // The retention sweep finds old receipts by age, a batch at a time.
  (t) => [index("action_receipts_created_at_idx").on(t.createdAt)],
);

export const deliveries = pgTable(
  "deliveries",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    eventId: bigint("event_id", { mode: "number" }).references(() => events.id, { onDelete: "cascade" }),
    templateId: uuid("template_id").references(() => mailTemplates.id, { onDelete: "set null" }),
    templateVersion: integer("template_version"),
    group: text("event_group"),
    recipient: text("recipient").notNull(),
    status: text("status", { enum: deliveryStatuses }).notNull(),
    subject: text("subject").notNull().default(""),
    html: text("html").notNull().default(""),
    text: text("text").notNull().default(""),
    headers: jsonb("headers").$type<DeliveryHeaders>().notNull(),
    messageId: text("message_id"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    leaseUntil: timestamp("lease_until", { withTimezone: true }),
    lastError: text("last_error"),
    smtpResponse: text("smtp_response"),
    isTest: boolean("is_test").notNull().default(false),
    resendOf: bigint("resend_of", { mode: "number" }),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    ...timestamps,
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
  },
  (t) => [
    // Exactly one first delivery per (event, template, recipient); resends and tests are extra rows.
    uniqueIndex("deliveries_event_template_recipient_key")
      .on(t.eventId, t.templateId, t.recipient)
      .where(sql`${t.resendOf} is null and not ${t.isTest}`),
    // What deliverDue claims: due queued or failed rows, and sending rows whose lease ran out.
    index("deliveries_due_idx")
      .on(t.nextAttemptAt)
      .where(sql`${t.status} in ('queued', 'failed')`),
    index("deliveries_lease_idx")
      .on(t.leaseUntil)
      .where(sql`${t.status} = 'sending'`),
    index("deliveries_status_id_idx").on(t.status, t.id),
    index("deliveries_template_id_idx").on(t.templateId, t.id),
    index("deliveries_group_id_idx").on(t.group, t.id),
    index("deliveries_created_at_idx").on(t.createdAt),
    index("deliveries_event_idx").on(t.eventId),
    index("deliveries_recipient_trgm_idx").using("gin", t.recipient.op("gin_trgm_ops")),
    // The event log's "failed or dead mail" filter looks these up per event.
    index("deliveries_failing_event_idx")
      .on(t.eventId)
      .where(sql`${t.status} in ('failed', 'dead')`),
  ],
);

export const deliveryAttempts = pgTable(
  "delivery_attempts",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    deliveryId: bigint("delivery_id", { mode: "number" })
      .notNull()
      .references(() => deliveries.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    durationMs: integer("duration_ms").notNull(),
    outcome: text("outcome", { enum: ["sent", "failed", "dead"] }).notNull(),
    error: text("error"),
    smtpResponse: text("smtp_response"),
  },
  (t) => [index("delivery_attempts_delivery_idx").on(t.deliveryId, t.id)],
);

/** What the capture transport keeps when no SMTP_URL is set: the Inbox page reads it. */
export const capturedMails = pgTable(
  "captured_mails",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    deliveryId: bigint("delivery_id", { mode: "number" }),
    messageId: text("message_id").notNull(),
    envelopeFrom: text("envelope_from").notNull(),
    envelopeTo: jsonb("envelope_to").$type<string[]>().notNull(),
    headers: jsonb("headers").$type<DeliveryHeaders>().notNull(),
    subject: text("subject").notNull(),
    html: text("html").notNull(),
    text: text("text").notNull(),
    raw: text("raw").notNull(),
    ...timestamps,
  },
  (t) => [index("captured_mails_created_at_idx").on(t.createdAt)],
);

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type Session = typeof sessions.$inferSelect;
export type AccountToken = typeof accountTokens.$inferSelect;
export type SqlSource = typeof sqlSources.$inferSelect;
export type Connection = typeof connections.$inferSelect;
export type StoredPartial = typeof partials.$inferSelect;
export type PartialVersion = typeof partialVersions.$inferSelect;
export type Generator = typeof generators.$inferSelect;
export type OutboxSource = typeof outboxSources.$inferSelect;
export type ApiKey = typeof apiKeys.$inferSelect;
export type Subscription = typeof subscriptions.$inferSelect;
export type SubscriptionBacklogRow = typeof subscriptionBacklog.$inferSelect;
export type SubscriptionAttempt = typeof subscriptionAttempts.$inferSelect;
export type Inbound = typeof inbounds.$inferSelect;
export type InboundRejection = typeof inboundRejections.$inferSelect;
export type Event = typeof events.$inferSelect;
export type NewGenerator = typeof generators.$inferInsert;
export type JobRun = typeof jobRuns.$inferSelect;
export type EventRow = typeof events.$inferSelect;
export type MailTemplate = typeof mailTemplates.$inferSelect;
export type TemplateVersion = typeof templateVersions.$inferSelect;
export type Delivery = typeof deliveries.$inferSelect;
export type NewDelivery = typeof deliveries.$inferInsert;
export type DeliveryAttempt = typeof deliveryAttempts.$inferSelect;
export type CapturedMail = typeof capturedMails.$inferSelect;
export type ActionReceipt = typeof actionReceipts.$inferSelect;
