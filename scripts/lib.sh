# Shared by scripts/run, scripts/test and scripts/bench: packages, build,
# a throwaway PostgreSQL cluster and an httpd, all under $CHECKPOINT_STATE.
# Only processes started here are stopped here, by their pid.
set -euo pipefail

CKPT_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CHECKPOINT_STATE=${CHECKPOINT_STATE:-$CKPT_TOP/.state}
CHECKPOINT_PORT=${CHECKPOINT_PORT:-8080}
mkdir -p "$CHECKPOINT_STATE"
CHECKPOINT_STATE=$(cd "$CHECKPOINT_STATE" && pwd)

CKPT_PACKAGES=(apache2 apache2-dev libapr1-dev libaprutil1-dev libpq-dev libjansson-dev libssl-dev libcurl4-openssl-dev
  postgresql postgresql-contrib libapache2-mod-perl2 libwww-perl libjson-pp-perl
  autoconf automake libtool pkg-config make gcc check curl wget wrk clang libclang-rt-14-dev
  apache2-utils procps nodejs dpkg-dev)
# Commands whose package is named only when the command is missing: npm
# comes with some builds of nodejs (NodeSource's) and is Debian's own
# package otherwise, which such a nodejs conflicts with.
CKPT_COMMAND_PACKAGES=(npm:npm)

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

ckpt_install_deps() {
  local missing=() p
  for p in "${CKPT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  for p in "${CKPT_COMMAND_PACKAGES[@]}"; do
    command -v "${p%%:*}" >/dev/null 2>&1 || missing+=("${p#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# The unprivileged users the servers run as when we are root.
if [ "$(id -u)" = 0 ]; then
  CKPT_PG_USER=postgres
  CKPT_HTTPD_USER=nobody
  CKPT_HTTPD_GROUP=$(id -gn nobody 2>/dev/null || echo nogroup)
else
  CKPT_PG_USER=$(id -un)
  CKPT_HTTPD_USER=$(id -un)
  CKPT_HTTPD_GROUP=$(id -gn)
fi

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u "$CKPT_PG_USER" -- "$@"; else "$@"; fi; }

# As root, the servers' own users must be able to reach the state and the
# tree: give o+x (traverse only) to every parent directory that lacks it.
ckpt_open_path() {
  [ "$(id -u)" = 0 ] || return 0
  local d=$1
  while [ "$d" != / ] && [ -n "$d" ]; do
    if [ -d "$d" ] && [ "$(( 0$(stat -c %a "$d") & 1 ))" = 0 ]; then
      chmod o+x "$d"
    fi
    d=$(dirname "$d")
  done
}

# ckpt_build NAME [configure args]: a VPATH build in $CHECKPOINT_STATE/build-NAME.
ckpt_build() {
  local name=$1; shift
  local dir=$CHECKPOINT_STATE/build-$name
  if [ ! -x "$CKPT_TOP/configure" ] || [ "$CKPT_TOP/configure.ac" -nt "$CKPT_TOP/configure" ] \
     || [ "$CKPT_TOP/Makefile.am" -nt "$CKPT_TOP/Makefile.in" ]; then
    log "autoreconf"
    (cd "$CKPT_TOP" && autoreconf -fi >/dev/null 2>&1) || (cd "$CKPT_TOP" && autoreconf -fi)
  fi
  mkdir -p "$dir"
  if [ ! -f "$dir/Makefile" ] || [ "$CKPT_TOP/configure" -nt "$dir/Makefile" ]; then
    log "configure ($name) $*"
    (cd "$dir" && "$CKPT_TOP/configure" -q --enable-werror "$@") >/dev/null
  fi
  log "make ($name)"
  make -s -C "$dir" -j2 >/dev/null || die "make ($name) failed"
  CKPT_MODULE=$dir/.libs/mod_checkpoint.so
  CKPT_BUILD_DIR=$dir
  [ -f "$CKPT_MODULE" ] || die "build produced no $CKPT_MODULE"
}

CKPT_PGBIN=""
ckpt_pgbin() {
  local v
  for v in $(ls /usr/lib/postgresql 2>/dev/null | sort -rn); do
    if [ -x "/usr/lib/postgresql/$v/bin/pg_ctl" ]; then CKPT_PGBIN=/usr/lib/postgresql/$v/bin; return; fi
  done
  CKPT_PGBIN=$(dirname "$(command -v pg_ctl)") || die "PostgreSQL server binaries not found"
}

CKPT_PGDATA=$CHECKPOINT_STATE/pg/data
CKPT_PGSOCK=$CHECKPOINT_STATE/pg/sock
CKPT_PGPORT=${CKPT_PGPORT:-5432}
# ckpt_conninfo DB: the conninfo of database DB of this cluster.
ckpt_conninfo() { echo "host=$CKPT_PGSOCK port=$CKPT_PGPORT dbname=$1 user=checkpoint"; }
CKPT_CONNINFO=$(ckpt_conninfo checkpoint)
# ckpt_pg PROGRAM ARGS...: a PostgreSQL client (psql, createdb, ...) against
# this cluster, as checkpoint.
ckpt_pg() { "$CKPT_PGBIN/$1" -h "$CKPT_PGSOCK" -p "$CKPT_PGPORT" -U checkpoint "${@:2}"; }
# ckpt_db_ensure DB: DB made when the cluster lacks it, and migrated (what
# the migrations say is shown only when one fails).
ckpt_db_ensure() {
  local out
  ckpt_pg psql -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname='$1'" | grep -q 1 \
    || ckpt_pg createdb "$1"
  out=$("$CKPT_TOP/scripts/migrate" "$(ckpt_conninfo "$1")" 2>&1) \
    || { printf '%s\n' "$out" >&2; die "migrating database $1"; }
}
# ckpt_db_fresh DB: DB dropped when there, made anew and migrated.
ckpt_db_fresh() {
  ckpt_pg dropdb --if-exists "$1" 2>/dev/null
  ckpt_db_ensure "$1"
}

# A cluster that listens on a Unix socket in the state directory only.
ckpt_pg_start() {
  ckpt_pgbin
  ckpt_open_path "$CHECKPOINT_STATE"
  local top; top=$(dirname "$CKPT_PGDATA")
  mkdir -p "$CKPT_PGSOCK" "$top"
  if [ ! -f "$CKPT_PGDATA/PG_VERSION" ]; then
    log "initdb $CKPT_PGDATA"
    if [ "$(id -u)" = 0 ]; then chown "$CKPT_PG_USER" "$top" "$CKPT_PGSOCK"; fi
    as_pg "$CKPT_PGBIN/initdb" -D "$CKPT_PGDATA" -U checkpoint --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if [ "$(id -u)" = 0 ]; then chown "$CKPT_PG_USER" "$CKPT_PGSOCK"; fi
  chmod 0755 "$CKPT_PGSOCK"
  ckpt_pg_ctl_start
  ckpt_db_ensure checkpoint
}

ckpt_pg_ctl_start() {
  if as_pg "$CKPT_PGBIN/pg_ctl" -D "$CKPT_PGDATA" status >/dev/null 2>&1; then return 0; fi
  as_pg "$CKPT_PGBIN/pg_ctl" -D "$CKPT_PGDATA" -w -t 60 -l "$(dirname "$CKPT_PGDATA")/server.log" \
    -o "-c listen_addresses='' -c unix_socket_directories='$CKPT_PGSOCK' -p $CKPT_PGPORT -c fsync=${CKPT_PG_FSYNC:-on} -c max_connections=${CKPT_PG_MAX_CONNECTIONS:-200} ${CKPT_PG_OPTIONS:-}" \
    start >/dev/null
}

ckpt_pg_stop() {
  [ -n "$CKPT_PGBIN" ] || ckpt_pgbin
  if [ -f "$CKPT_PGDATA/postmaster.pid" ]; then
    as_pg "$CKPT_PGBIN/pg_ctl" -D "$CKPT_PGDATA" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

# A free TCP port on 127.0.0.1, starting at $1.
ckpt_free_port() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

ckpt_httpd_bin() { echo "$(apxs -q SBINDIR)/$(apxs -q TARGET)"; }

# ckpt_render TEMPLATE OUT: replaces @NAME@ with the value of $NAME.
ckpt_render() {
  local tmpl=$1 out=$2
  perl -pe 's/@([A-Z_]+)@/exists $ENV{$1} ? $ENV{$1} : "\@$1\@"/ge' "$tmpl" > "$out"
}

# Renders conf/ into $CHECKPOINT_STATE/httpd (or $1) for a standalone
# httpd, with its storage in $CHECKPOINT_STATE/storage (or $2).
# CKPT_EXTRA_LINES go before the module's configuration, CKPT_LATE_LINES
# after it.
ckpt_httpd_setup() {
  local root=${1:-$CHECKPOINT_STATE/httpd} storage=${2:-$CHECKPOINT_STATE/storage}
  mkdir -p "$root/htdocs" "$storage"
  export CKPT_HTTPD_ROOT=$root CKPT_MODULE CKPT_CONNINFO CHECKPOINT_PORT
  export CKPT_STORAGE=$storage
  export CKPT_HTPASSWD=$root/htpasswd
  export CKPT_MODDIR=$(apxs -q LIBEXECDIR)
  if [ "$(id -u)" = 0 ]; then
    export CKPT_USER_LINES="User $CKPT_HTTPD_USER
Group $CKPT_HTTPD_GROUP"
    chown -R "$CKPT_HTTPD_USER:$CKPT_HTTPD_GROUP" "$CKPT_STORAGE"
  else
    export CKPT_USER_LINES=""
  fi
  export CKPT_EXTRA_LINES=${CKPT_EXTRA_LINES:-} CKPT_LATE_LINES=${CKPT_LATE_LINES:-}
  htpasswd -bcB "$CKPT_HTPASSWD" admin "$CHECKPOINT_ADMIN_PASSWORD" >/dev/null 2>&1
  chmod 0644 "$CKPT_HTPASSWD"
  ckpt_render "$CKPT_TOP/conf/checkpoint.conf.in" "$root/checkpoint.conf"
  ckpt_render "$CKPT_TOP/conf/httpd.conf.in" "$root/httpd.conf"
  CKPT_HTTPD_CONF=$root/httpd.conf
}

# ckpt_rss_split: each line "T NODE PID RSS" read gets that child's RSS by kind of
# mapping appended (KiB, from /proc/PID/smaps): its threads' stacks (the
# mappings that hold a thread's stack pointer, /proc/PID/task/*/syscall),
# malloc's ([heap] and its arenas: a mapping followed by the PROT_NONE rest
# of a 64 MiB reservation), the rest of the private anonymous memory (APR's
# pools, which Debian's APR takes with mmap: the answer cache, the catalog,
# the connections' pools), and files and shared memory.
ckpt_rss_split() {
  perl -ne '
    chomp; my ($t, $n, $pid, $rss) = split; my (@m, $cur, @sp);
    if (open(my $f, "<", "/proc/$pid/smaps")) {
      while (<$f>) {
        if (/^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ (\d+)\s*(.*)$/) { $cur = [hex $1, hex $2, $3, $4, $5, 0]; push @m, $cur }
        elsif (/^Rss:\s+(\d+)/) { $cur->[5] = $1 }
      }
    }
    for my $s (glob "/proc/$pid/task/*/syscall") { open(my $h, "<", $s) or next; my @f = split " ", (<$h> // ""); push @sp, hex $f[-2] if @f >= 3 }
    my %k = (stack => 0, malloc => 0, anon => 0, other => 0);
    for my $i (0 .. $#m) {
      my ($lo, $hi, $perm, $ino, $path, $r) = @{ $m[$i] }; my $nx = $m[$i + 1];
      my $kind = $path eq "[heap]" ? "malloc"
               : ($path eq "[stack]" || ($ino == 0 && $path eq "" && grep { $_ >= $lo && $_ < $hi } @sp)) ? "stack"
               : ($ino != 0 || $perm =~ /s$/ || $path ne "") ? "other"
               : ($perm eq "rw-p" && $nx && $nx->[2] eq "---p" && $nx->[0] == $hi && ($nx->[1] - $lo) % (64 << 20) == 0) ? "malloc"
               : "anon";
      $k{$kind} += $r;
    }
    print "$t $n $pid $rss $k{stack} $k{malloc} $k{anon} $k{other}\n"'
}
