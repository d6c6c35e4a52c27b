-- The qualification types and lowest grades a lot requires (资格条件), as JSON: a list of
-- {"name", "min_grade"} checked against the registry at each bid, as of the bid deadline.
ALTER TABLE lots ADD COLUMN qualification_requirements TEXT NOT NULL DEFAULT '[]';
