/* Every SQL statement the module runs is declared in one of these tables
 * and prepared on each connection by name (db.c).  Parameters only;
 * nothing is assembled from strings. */
#include "db.h"

const ckpt_stmt ckpt_stmts_status[] = {
    {"status_schema", "SELECT max(version) AS schema_version FROM schema_migrations"},
    {"status_replica",
     "SELECT pg_is_in_recovery() AS standby,"
     " CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() END AS paused,"
     " (extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)::bigint"
     " AS replayed_ms"},
    {NULL, NULL}};

const ckpt_stmt *const ckpt_statement_tables[] = {
    ckpt_stmts_status, ckpt_stmts_api, ckpt_stmts_content, ckpt_stmts_ingest, ckpt_stmts_tasks, NULL};
