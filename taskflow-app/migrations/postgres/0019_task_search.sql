-- Full-text search on a task's title and description (`?q=`): the filter repeats exactly
-- this expression, with the 'simple' configuration (lowercased words, no stemming, no
-- stopwords, whatever the language).
CREATE INDEX tasks_search ON tasks
    USING GIN (to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(description, '')));
