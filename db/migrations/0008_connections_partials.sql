CREATE TABLE "connections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"origin" text DEFAULT 'ui' NOT NULL,
	"host" text DEFAULT '' NOT NULL,
	"port" integer,
	"database" text DEFAULT '' NOT NULL,
	"username" text DEFAULT '' NOT NULL,
	"password_sealed" text,
	"ssl" boolean DEFAULT false NOT NULL,
	"checked_at" timestamp with time zone,
	"check_error" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" uuid
);
--> statement-breakpoint
CREATE TABLE "partial_versions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "partial_versions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"partial_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"fields" jsonb NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" uuid
);
--> statement-breakpoint
CREATE TABLE "partials" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"body" text DEFAULT '' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" uuid
);
--> statement-breakpoint
ALTER TABLE "mail_templates" ADD COLUMN "layout" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "mail_templates" ADD COLUMN "draft_reason" text;--> statement-breakpoint
ALTER TABLE "sql_sources" ADD COLUMN "connection_id" uuid;--> statement-breakpoint
ALTER TABLE "connections" ADD CONSTRAINT "connections_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partial_versions" ADD CONSTRAINT "partial_versions_partial_id_partials_id_fk" FOREIGN KEY ("partial_id") REFERENCES "public"."partials"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partial_versions" ADD CONSTRAINT "partial_versions_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partials" ADD CONSTRAINT "partials_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "connections_name_key" ON "connections" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "partial_versions_partial_version_key" ON "partial_versions" USING btree ("partial_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "partials_name_key" ON "partials" USING btree (lower("name"));--> statement-breakpoint
ALTER TABLE "sql_sources" ADD CONSTRAINT "sql_sources_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
-- The embedded sample database is always there; its id is fixed so code can name it.
INSERT INTO "connections" ("id", "name", "kind", "origin") VALUES ('00000000-0000-4000-8000-00000000a001', 'sample', 'sample', 'builtin') ON CONFLICT DO NOTHING;--> statement-breakpoint
-- SQL sources written before connections read Spark's own database. Those over the demo tables move to
-- the sample database, which now holds them; the others wait for an admin to give them a connection.
UPDATE "sql_sources" SET "connection_id" = '00000000-0000-4000-8000-00000000a001' WHERE "query" ~* '\mdemo\s*\.';
