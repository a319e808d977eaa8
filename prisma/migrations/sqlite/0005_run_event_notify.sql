-- Nothing to do on SQLite: it serves one process, whose streams are nudged in memory.
-- (The PostgreSQL migration of the same name adds a NOTIFY trigger on RunEvent.)
SELECT 1;
