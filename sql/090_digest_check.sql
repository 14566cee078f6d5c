-- The digest rule (64 lowercase hex digits) was written as CHECK (sha256
-- ~ '^[0-9a-f]{64}$') on artifact and on upload_chunk, and cost about 11
-- us a row: PostgreSQL's regex engine walks the 64-fold bounded
-- repetition for every digest.  An import leases 100,000 artifacts in its
-- fetch, so that was about 1.1 s of the database's CPU, on the same two
-- cores as the hashing (issue 10).  The same rule as 64 bytes none of
-- which is outside [0-9a-f] (a non-ASCII character is outside it) costs
-- about 1 us.  It is written once, here: a SQL function the planner
-- inlines into each CHECK (100,000 rows: the function and the expression
-- written out take the same time).  Not STRICT: the planner does not
-- inline a strict function whose body is not (AND is not), and a NULL
-- passes a CHECK either way, as it did the regex (the columns are NOT
-- NULL).
--
-- scripts/migrate applies a file in one transaction, so each table is
-- locked while its new CHECK is tested on the rows already there: one
-- scan at about 1 us a row, a second or so for a million artifacts.
CREATE FUNCTION is_sha256_hex(digest text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT octet_length(digest) = 64 AND digest !~ '[^0-9a-f]' $$;

ALTER TABLE artifact DROP CONSTRAINT artifact_sha256_check,
    ADD CONSTRAINT artifact_sha256_check CHECK (is_sha256_hex(sha256));
ALTER TABLE upload_chunk DROP CONSTRAINT upload_chunk_sha256_check,
    ADD CONSTRAINT upload_chunk_sha256_check CHECK (is_sha256_hex(sha256));
