-- What the content side has cached may be stale once a publication or a
-- distribution changes.  Every transaction that changes one of them bumps
-- content_generation.n once, at commit (a deferred constraint trigger: the
-- row lock is the transaction's last, so it cannot take part in a deadlock,
-- and a reader sees the new number only together with the change).  Each
-- Apache process reads n at most every CheckpointCacheRefresh and empties
-- its cache when n moved.
CREATE TABLE content_generation (
    id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    n  bigint NOT NULL DEFAULT 0
);
INSERT INTO content_generation DEFAULT VALUES;

CREATE FUNCTION content_generation_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- once per transaction, however many rows it changed
    IF current_setting('checkpoint.generation_bumped', true) IS DISTINCT FROM 'yes' THEN
        PERFORM set_config('checkpoint.generation_bumped', 'yes', true);
        UPDATE content_generation SET n = n + 1 WHERE id = 1;
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER publication_content_generation
    AFTER INSERT OR UPDATE OR DELETE ON publication
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION content_generation_bump();

CREATE CONSTRAINT TRIGGER distribution_content_generation
    AFTER INSERT OR UPDATE OR DELETE ON distribution
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION content_generation_bump();
