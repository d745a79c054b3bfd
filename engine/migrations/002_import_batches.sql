-- 002: large files are imported in batches, each its own transaction, so memory stays bounded
-- whatever the file size. A file's row is written first with status 'importing' and becomes
-- 'done' with its last batch; a file left 'importing' by a killed import is removed with its
-- events and rejects the next time the store is opened for writing, and imports again in full.
ALTER TABLE files ADD COLUMN status VARCHAR DEFAULT 'done';
