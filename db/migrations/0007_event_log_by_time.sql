DROP INDEX "events_created_at_idx";--> statement-breakpoint
DROP INDEX "events_group_id_idx";--> statement-breakpoint
DROP INDEX "events_generator_id_idx";--> statement-breakpoint
DROP INDEX "events_source_id_idx";--> statement-breakpoint
CREATE INDEX "events_created_at_id_idx" ON "events" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "events_group_created_at_id_idx" ON "events" USING btree ("event_group","created_at","id");--> statement-breakpoint
CREATE INDEX "events_generator_created_at_id_idx" ON "events" USING btree ("generator_id","created_at","id");--> statement-breakpoint
CREATE INDEX "events_source_created_at_id_idx" ON "events" USING btree ("source","created_at","id");