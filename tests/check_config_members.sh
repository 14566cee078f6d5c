#!/bin/sh
# Fails when a member of the module's configuration structs (ckpt_server_conf,
# ckpt_dir_conf in mod_checkpoint/httpd/mod_checkpoint.h) is not handled in
# both their create and their merge function (config.c), as
# mod_auth_openidc's directive check does: a member forgotten there still
# compiles, but a virtual host or <Location> then gets a zero instead of
# its own or its parent's value.  Members that start at NULL or 0 by
# design are named in create all the same, so that the check holds.
set -eu
top=${srcdir:-$(dirname "$0")/..}
h=$top/mod_checkpoint/httpd/mod_checkpoint.h
c=$top/mod_checkpoint/httpd/config.c
[ -f "$h" ] && [ -f "$c" ] || { echo "check_config_members: sources not found under $top" >&2; exit 1; }

# members of the typedef struct that ends in "} NAME;", comments removed
members() {
  awk -v name="$1" '
    /^typedef struct \{/ { body = ""; inside = 1; next }
    inside && $0 ~ "^} " name ";" { print body; inside = 0; next }
    inside { body = body "\n" $0 }' "$h" |
    sed -e 's:/\*.*\*/::g' -e '/^[[:space:]]*\*/d' -e '/^[[:space:]]*\/\*/d' |
    grep -oE '[A-Za-z_][A-Za-z0-9_]*;' | tr -d ';' | sort -u
}
# the c->member names a function assigns, from its signature to its "return c;"
assigned() {
  awk -v sig="$1" 'index($0, sig) { f = 1 } f && /return c;/ { f = 0 } f' "$c" |
    grep -oE 'c->[A-Za-z_][A-Za-z0-9_]*|MERGE_[A-Z]+\([a-z_]+\)' |
    sed -E 's/^c->//; s/^MERGE_[A-Z]+\(([a-z_]+)\)$/\1/' | sort -u
}

status=0
check() { # STRUCT CREATE MERGE
  list=$(members "$1")
  [ -n "$list" ] || { echo "FAIL: no members found for $1" >&2; status=1; return; }
  for site in "$2" "$3"; do
    have=$(assigned "$site(")
    for m in $list; do
      if ! printf '%s\n' "$have" | grep -qx "$m"; then
        echo "FAIL: $1.$m is not set in $site()" >&2
        status=1
      fi
    done
  done
  echo "$1: $(printf '%s\n' "$list" | wc -l | tr -d ' ') members, each in $2() and $3()"
}
check ckpt_server_conf ckpt_create_server_conf ckpt_merge_server_conf
check ckpt_dir_conf ckpt_create_dir_conf ckpt_merge_dir_conf
exit $status
