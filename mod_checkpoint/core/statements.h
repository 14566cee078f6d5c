/* SQL rules that more than one statement needs, written once, for the
 * API's statements (statements_api.c) and the content side's
 * (statements_content.c) alike. */
#ifndef CKPT_STATEMENTS_H
#define CKPT_STATEMENTS_H

/* A range row r (repository_dir or repository_content) is in version v (a
 * number or a parameter such as "$2::int"): its range [version_added,
 * version_removed) holds v, version_removed NULL meaning "still present".
 * Written as a range so that the GiST index of repository_dir on
 * (repository_id, parent, range) serves it (sql/010_history.sql); for
 * files, a filter on rows found otherwise (a statement that finds the
 * files of a version by index says CKPT_SQL_FILE_PRESENT_IN). */
#define CKPT_SQL_PRESENT_IN(r, v)                                                          \
    "int4range(" r ".version_added, " r ".version_removed) @> " v

/* The same for a file's row r (repository_content), whose GiST index holds
 * closed ranges only (sql/070): an open range is in v when it began at or
 * before v (found on the btrees of open rows), a closed one when its range
 * holds v (on the GiST).  Each half names its index's predicate, so the
 * planner can take both, as a BitmapOr. */
#define CKPT_SQL_FILE_PRESENT_IN(r, v)                                                     \
    "((" CKPT_SQL_OPEN_IN(r, v) ") OR (" CKPT_SQL_CLOSED_IN(r, v) "))"

/* Its two halves, each naming its indexes' predicate. */
#define CKPT_SQL_OPEN_IN(r, v) r ".version_removed IS NULL AND " r ".version_added <= " v
#define CKPT_SQL_CLOSED_IN(r, v)                                                           \
    r ".version_removed IS NOT NULL AND int4range(" r ".version_added, " r                 \
    ".version_removed) @> " v

/* The directory of a file's row r while the row is open, NULL once it is
 * closed: the key of repository_content_open_dir_idx, and the expression
 * whose statistics count the open rows of a directory alone (sql/110,
 * which spells it out the same way; an index serves only a statement that
 * names its expression).  A directory whose files changed in every
 * version is most of the table to the statistics of dir itself. */
#define CKPT_SQL_OPEN_DIR(r) "(CASE WHEN " r ".version_removed IS NULL THEN " r ".dir END)"

/* CKPT_SQL_FILE_PRESENT_IN of the rows r of directory d: the open half
 * by CKPT_SQL_OPEN_DIR, the closed half on the GiST of closed ranges. */
#define CKPT_SQL_DIR_FILE_PRESENT_IN(r, d, v)                                              \
    "((" CKPT_SQL_OPEN_DIR(r) " = " d " AND " CKPT_SQL_OPEN_IN(r, v) ") OR (" r ".dir = " d  \
    " AND " CKPT_SQL_CLOSED_IN(r, v) "))"

/* Of several publications (alias p), the one a distribution serves is the
 * newest: the latest pulp_created, and of two created in the same
 * microsecond the greater id.  Every "newest publication" says this. */
#define CKPT_SQL_NEWEST_PUBLICATION(p) p ".pulp_created DESC, " p ".id DESC"

/* A timestamptz column c as Pulp writes times: RFC 3339, UTC, microseconds. */
#define CKPT_SQL_RFC3339(c)                                                                \
    "to_char(" c " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/* A page of a filtered set f (a CTE) ordered by o; $LIMIT/$OFFSET given. */
#define PAGE(cols, from, inner, outer, lim, off)                                                  \
    "SELECT (SELECT count(*) FROM f) AS count, " cols " FROM (SELECT 1) one LEFT JOIN LATERAL"    \
    " (SELECT * FROM f ORDER BY " inner " LIMIT " lim "::bigint OFFSET " off "::bigint) " from    \
    " ON true ORDER BY " outer

/* Filters (filter.h): each parameter NULL when not given.  The five of
 * a text column: exact, __startswith, __contains, __icontains, __in. */
#define TEXT_FILTERS(col, a, b, c, d, e)                                                          \
    "(" a "::text IS NULL OR " col " = " a ") AND (" b "::text IS NULL OR starts_with(" col ", "  \
    b ")) AND (" c "::text IS NULL OR strpos(" col ", " c ") > 0) AND (" d "::text IS NULL OR"    \
    " strpos(lower(" col "), lower(" d ")) > 0) AND (" e "::text[] IS NULL OR " col " = ANY ("    \
    e "::text[]))"
/* ordering=c or ordering=-c: the column c of t first, ascending or not. */
#define ORD(o, t, c)                                                                              \
    "CASE WHEN " o " = '" c "' THEN " t "." c " END, CASE WHEN " o " = '-" c "' THEN " t "." c    \
    " END DESC"

/* A page of the rows of table (alias a in cols) by name filters ($1 to
 * $5, TEXT_FILTERS) and ordering ($6: name or pulp_created, '-' for
 * descending), $7 limit and $8 offset: the lists of named objects
 * (ckpt_filter_set's CKPT_TEXT_FILTERS("name", 0), CKPT_ORDERING_FILTER(5)). */
#define CKPT_SQL_NAMED_LIST(table, cols, a)                                                       \
    "WITH f AS (SELECT * FROM " table " WHERE "                                                   \
    TEXT_FILTERS("name", "$1", "$2", "$3", "$4", "$5") ") "                                       \
    PAGE(cols, a,                                                                                 \
         ORD("$6::text", "f", "name") ", " ORD("$6::text", "f", "pulp_created")                   \
         ", f.pulp_created, f.id",                                                                \
         ORD("$6::text", a, "name") ", " ORD("$6::text", a, "pulp_created")                       \
         ", " a ".pulp_created, " a ".id", "$7", "$8")

#endif
