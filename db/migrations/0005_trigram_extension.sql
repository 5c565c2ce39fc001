-- "Key contains" and "recipient contains" search substrings; trigram indexes keep them fast at a million
-- rows. pg_trgm is a trusted extension: the database owner may create it without superuser rights.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
