-- Deployment-wide settings every node reads at start: the key-encryption key's check value
-- (sealed under the key the database was first used with, so a node with another key refuses
-- to start) and the public URL the last node started with. Not user state: the dev-mode
-- reset leaves it alone.
--
-- Additive only, like every migration: nodes of the previous version never read it, so old
-- and new nodes run side by side during a rolling upgrade.
CREATE TABLE settings (
    name  TEXT NOT NULL PRIMARY KEY,
    value BLOB NOT NULL
);
