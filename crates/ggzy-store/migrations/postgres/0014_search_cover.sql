-- SQLite rekeys its full-text index and adds a covering index for search (its 0014).
-- PostgreSQL reads the heap rows its GIN index points at, and autovacuum keeps that index
-- merged: nothing to change here; this file keeps both migration histories the same length.
SELECT 1;
