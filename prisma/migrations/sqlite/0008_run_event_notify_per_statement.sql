-- Nothing to do on SQLite: it serves one process, whose streams are nudged in memory (a
-- separate `npm run worker` refuses SQLite). The PostgreSQL migration of the same name makes
-- the RunEvent NOTIFY trigger fire once per statement and run instead of once per row.
SELECT 1;
