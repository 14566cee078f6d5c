/* Every SQL statement the module runs is declared in one of these tables
 * and prepared on each connection by name (db.c).  Parameters only;
 * nothing is assembled from strings. */
#include "db.h"

const ckpt_stmt ckpt_stmts_status[] = {
    {"status_schema", "SELECT max(version) AS schema_version FROM schema_migrations"},
    {NULL, NULL}};

const ckpt_stmt *const ckpt_statement_tables[] = {
    ckpt_stmts_status, ckpt_stmts_api, ckpt_stmts_content, ckpt_stmts_ingest, ckpt_stmts_tasks, NULL};
