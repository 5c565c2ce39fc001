-- Subscriptions wake on this instead of polling: one notification per inserting statement, delivered when
-- its transaction commits (PostgreSQL folds repeats within a transaction into one).
CREATE FUNCTION spark_notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('spark_events', '');
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER events_notify AFTER INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION spark_notify_events();
