/* Every SQL statement the module runs, prepared on each connection by
 * name (db.c).  Parameters only; nothing is assembled from strings. */
#include "db.h"

const ckpt_stmt ckpt_statements[] = {
    /* status/ */
    {"status_schema", "SELECT max(version) FROM schema_migrations"},

    {NULL, NULL}};
