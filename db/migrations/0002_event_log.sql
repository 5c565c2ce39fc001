DROP INDEX "events_group_created_at_idx";--> statement-breakpoint
CREATE INDEX "events_group_id_idx" ON "events" USING btree ("event_group","id");--> statement-breakpoint
CREATE INDEX "events_generator_id_idx" ON "events" USING btree ("generator_id","id");--> statement-breakpoint
CREATE INDEX "events_source_id_idx" ON "events" USING btree ("source","id");