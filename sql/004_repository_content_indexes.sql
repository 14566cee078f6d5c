-- repository_content_current_idx duplicated repository_content_open_unit_idx
-- (the same columns, the same predicate; the unique one serves every
-- lookup the other did), and cost every membership row a fifth index
-- entry.  What was missing instead is an index on content_id alone:
-- deleting a content unit checks its foreign key here, and orphan cleanup
-- asks which units no version holds.
DROP INDEX IF EXISTS repository_content_current_idx;
CREATE INDEX repository_content_content_idx ON repository_content (content_id);
