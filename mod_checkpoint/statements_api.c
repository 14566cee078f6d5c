/* The management API's statements (see statements.c). */
#include "db.h"

const ckpt_stmt ckpt_stmts_api[] = {
    {NULL, NULL}};
