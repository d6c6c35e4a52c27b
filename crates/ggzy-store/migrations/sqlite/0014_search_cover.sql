-- Search, faster at a million notices (issue #18's 50 ms goal):
-- 1. The full-text index keys each notice by -seq. FTS5 walks its lists in rowid order and is
--    slower backwards; newest first is now its natural order, so a capped search stops early
--    without walking backwards.
-- 2. A covering index holds what a search filters, counts and ranks by, so it never reads a
--    notice's text until it shows it.
-- 3. Segments merge two at a time when asked (`notices::merge_index`, run by the scheduler), so
--    each word is read from few segments.
DROP TRIGGER notices_search_insert;
DROP TRIGGER notices_search_terms;
DROP TABLE notice_search;
CREATE VIRTUAL TABLE notice_search USING fts5(terms, content='', tokenize='unicode61 remove_diacritics 0');
INSERT INTO notice_search(notice_search, rank) VALUES ('usermerge', 2);
INSERT INTO notice_search(rowid, terms) SELECT -seq, terms FROM notices WHERE terms <> '';
CREATE TRIGGER notices_search_insert AFTER INSERT ON notices WHEN new.terms <> '' BEGIN
    INSERT INTO notice_search(rowid, terms) VALUES (-new.seq, new.terms);
END;
CREATE TRIGGER notices_search_terms AFTER UPDATE OF terms ON notices WHEN old.terms = '' AND new.terms <> '' BEGIN
    INSERT INTO notice_search(rowid, terms) VALUES (-new.seq, new.terms);
END;
CREATE INDEX notices_search_cover ON notices(seq, trade_kind, notice_kind, region_code, published_at, amount, principal_id, winner_id, title);
