-- artifact's CHECK (sha256 ~ '^[0-9a-f]{64}$') cost about 11 us a row:
-- PostgreSQL's regex engine walks the 64-fold bounded repetition for
-- every digest.  An import leases 100,000 artifacts in its fetch, so that
-- was about 1.1 s of the database's CPU, on the same two cores as the
-- hashing (issue 10; EXPLAIN ANALYZE of the lease statement on the
-- bench's tree).  The same rule as 64 bytes none of which is outside
-- [0-9a-f] (a non-ASCII character is outside it) costs about 1 us.
--
-- scripts/migrate applies a file in one transaction, so the table is
-- locked while the new CHECK is tested on the rows already there: one
-- scan at about 1 us a row, a second or so for a million artifacts.
ALTER TABLE artifact DROP CONSTRAINT artifact_sha256_check,
    ADD CONSTRAINT artifact_sha256_check
        CHECK (octet_length(sha256) = 64 AND sha256 !~ '[^0-9a-f]');
