CREATE INDEX "deliveries_event_idx" ON "deliveries" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "deliveries_recipient_trgm_idx" ON "deliveries" USING gin ("recipient" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "events_key_trgm_idx" ON "events" USING gin ("key" gin_trgm_ops);