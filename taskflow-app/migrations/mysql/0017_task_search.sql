-- Full-text search on a task's title and description (`?q=`). Without stopwords, so that a
-- search for "the" or "will" finds them; words shorter than the server's
-- innodb_ft_min_token_size (3) are matched with LIKE within the tenant instead.
SET SESSION innodb_ft_enable_stopword = OFF;
CREATE FULLTEXT INDEX tasks_search ON tasks (title, description);
