/* The content side's statements (see statements.c). */
#include "db.h"

const ckpt_stmt ckpt_stmts_content[] = {
    {NULL, NULL}};
