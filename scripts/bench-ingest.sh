# Sourced by scripts/bench (CKPT_BENCH_ONLY matching "ingest", or unset):
# the ingest benchmark of issue 10, against the bench's PostgreSQL, storage
# and httpd.
#   CKPT_BENCH_INGEST_FILES   the tree (default 100000, about 1 GiB)
#   CKPT_BENCH_INGEST_ROUNDS  rounds of the first import (default 3)
#   CKPT_BENCH_SYNC_FILES     the remote of the sync (default 10000)
#   CKPT_BENCH_INGEST_DIR     where the tree, its copies and the storage of
#                             the imports go (default the state directory):
#                             a file system of its own to measure on (an
#                             ext4 in RAM, say: README, "Measuring an import
#                             on a file system of its own")
# Prints, in the same run: the first import against `cp -a` + `sync` of the
# same tree onto the same file system, in rounds (each round one copy and
# one first import into an empty database and empty storage; the copy
# first in odd rounds, the import first in even ones), each round's ratio
# and their median; a re-import of the unchanged tree; a re-import with 1 %
# changed; a sync from this httpd against wget of the same files; a
# re-sync; the peak RSS of each.  Every round starts without the earlier
# rounds' copies and storages: the round before's copy, storage and
# database are removed first (the last round's stay, for the
# re-imports).  Kept, they slowed the later rounds on ext4 in RAM
# (README, "Since 2026-12-06").  On some file systems (this machine's
# disk: ext4 without a journal, online discard) what follows the
# removal of gigabytes is probably slower, sometimes by several times;
# each step syncs before its clock starts, but the disk may still be
# catching up.

# Set by ckpt_bench_ingest once it has begun, for bench_ingest_clean; not
# taken from the environment.
BENCH_FS=
BENCH_INGEST_ROUNDS=

bench_now() { date +%s.%N; }
bench_secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
bench_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# bench_timed NAME CMD...: runs CMD under /usr/bin/time; BENCH_SECS, BENCH_RSS_MB
# and BENCH_OUT (its stdout) afterwards.
bench_timed() {
  local name=$1; shift
  local t0 t1 tv=$CHECKPOINT_STATE/bench-ingest/time.$name
  sync
  t0=$(bench_now)
  BENCH_OUT=$(/usr/bin/time -v -o "$tv" "$@") || die "ingest bench: $name failed: $BENCH_OUT"
  t1=$(bench_now)
  BENCH_SECS=$(bench_secs "$t0" "$t1")
  BENCH_RSS_MB=$(awk -F': ' '/Maximum resident/ { printf "%.0f", $2 / 1024 }' "$tv")
}

# cp -a of the tree onto the same file system, then sync, into $1:
# BENCH_CP (both) and BENCH_CP_ONLY (the copy alone).
bench_cp() {
  local t0 t1
  sync; t0=$(bench_now); cp -a "$BENCH_FS/tree" "$1"; t1=$(bench_now); BENCH_CP_ONLY=$(bench_secs "$t0" "$t1")
  sync; t1=$(bench_now); BENCH_CP=$(bench_secs "$t0" "$t1")
}

# What round $1 of the first import makes: its database, its copy and
# its storage, removed.
bench_round_remove() {
  ckpt_pg dropdb --if-exists "checkpoint_bench_ingest$1"
  rm -rf "$BENCH_FS/storage$1" "$BENCH_FS/cp$1"
}

# What the ingest bench made: its rounds', the tree, and the sync's
# remote and storage.  At its end, and from scripts/bench's cleanup when
# a step fails or the run is stopped (the tree is several GiB, possibly
# in RAM).
bench_ingest_clean() {
  local k
  [ -n "${BENCH_FS:-}" ] || return 0
  for k in $(seq 1 "${BENCH_INGEST_ROUNDS:-0}"); do
    bench_round_remove "$k" 2>/dev/null || true
  done
  rm -rf "$CHECKPOINT_STATE/bench-ingest" "$BENCH_FS"
  BENCH_FS=
}

bench_median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.2f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Round $1 of the first import, into a database (checkpoint_bench_ingest$1)
# and storage ($BENCH_FS/storage$1) of its own, both empty, once the
# round before's are gone; the copy first in odd rounds.
bench_first_round() {
  local k=$1 storage=$BENCH_FS/storage$1 order=after
  if [ "$k" -gt 1 ]; then bench_round_remove $((k - 1)); fi
  mkdir -p "$storage/artifact" "$storage/tmp"
  ckpt_db_fresh "checkpoint_bench_ingest$k"
  if [ $((k % 2)) = 1 ]; then order=first; bench_cp "$BENCH_FS/cp$k"; fi
  bench_timed first "$CKPT_BUILD_DIR/checkpoint" --database "$(ckpt_conninfo "checkpoint_bench_ingest$k")" \
    --storage "$storage" import bench-ingest "$BENCH_FS/tree" --create --json
  if [ "$order" = after ]; then bench_cp "$BENCH_FS/cp$k"; fi
  BENCH_RATIO=$(bench_ratio "$BENCH_SECS" "$BENCH_CP")
  printf 'ingest first import %d  %8ss  cp -a + sync %ss (cp -a alone %ss, %s)  ratio %s  peak RSS %s MiB\n' \
    "$k" "$BENCH_SECS" "$BENCH_CP" "$BENCH_CP_ONLY" "$order" "$BENCH_RATIO" "$BENCH_RSS_MB"
  echo "  $BENCH_OUT"
}

# One file in a hundred: half of them given new bytes, a quarter removed,
# and as many new files as removed ones.
bench_change_one_percent() {
  perl -e '
    my ($dir, $n) = @ARGV; my ($chg, $del, $add) = (0, 0, 0);
    for (my $i = 0; $i < $n; $i += 100) {
      my $f = sprintf("%s/pool/%03d/%03d/f%06d.deb", $dir, int($i / 100000), int($i / 100) % 1000, $i);
      my $k = ($i / 100) % 4;
      if ($k < 2) { open(my $h, ">>", $f) or die "$f: $!"; print $h "changed\n"; $chg++ }
      elsif ($k == 2) { unlink($f) or die "$f: $!"; $del++ }
      else { open(my $h, ">", "$dir/pool/new$i.deb") or die; print $h "new $i\n"; $add++ }
    }
    print "$chg $del $add\n";' "$1" "$2"
}

ckpt_bench_ingest() {
  local n=${CKPT_BENCH_INGEST_FILES:-100000} sn=${CKPT_BENCH_SYNC_FILES:-10000}
  local d=$CHECKPOINT_STATE/bench-ingest rounds=${CKPT_BENCH_INGEST_ROUNDS:-3} k ratios=()
  local t0 t1 want size
  [[ $rounds =~ ^[1-9][0-9]*$ ]] || die "CKPT_BENCH_INGEST_ROUNDS: a number of rounds, 1 or more"
  BENCH_INGEST_ROUNDS=$rounds
  BENCH_FS=${CKPT_BENCH_INGEST_DIR:-$CHECKPOINT_STATE}/bench-ingest-fs
  # The re-imports go on from the last round's import.
  local cli=("$CKPT_BUILD_DIR/checkpoint" --database "$(ckpt_conninfo "checkpoint_bench_ingest$rounds")"
             --storage "$BENCH_FS/storage$rounds")
  rm -rf "$d" "$BENCH_FS"
  mkdir -p "$d" "$BENCH_FS"
  log "ingest: a tree of $n files in $BENCH_FS"
  perl "$CKPT_TOP/scripts/bench-tree.pl" "$BENCH_FS/tree" "$n"
  size=$(du -sh --apparent-size "$BENCH_FS/tree" | cut -f1)
  echo
  echo "# ingest ($(date -u +%Y-%m-%d), $(nproc) cores; $n files, $size; PostgreSQL fsync=off; on $(df --output=source,fstype "$BENCH_FS" | tail -1 | tr -s ' ')$(mount | awk -v m="$(df --output=target "$BENCH_FS" | tail -1)" '$3 == m { print " " $6 }' | tail -1))"

  for k in $(seq 1 "$rounds"); do
    bench_first_round "$k"
    ratios+=("$BENCH_RATIO")
  done
  printf 'ingest first import    median ratio %s over %d rounds (%s)  target 2x\n' \
    "$(bench_median "${ratios[@]}")" "$rounds" "${ratios[*]}"

  bench_timed again "${cli[@]}" import bench-ingest "$BENCH_FS/tree" --json
  printf 'ingest re-import same  %8ss  (target < 5 s, no version)  peak RSS %s MiB\n' "$BENCH_SECS" "$BENCH_RSS_MB"
  echo "  $BENCH_OUT"

  want=$(bench_change_one_percent "$BENCH_FS/tree" "$n")
  bench_timed change "${cli[@]}" import bench-ingest "$BENCH_FS/tree" --json
  printf 'ingest re-import 1 %%   %8ss  (target < 10 s; changed/removed/added files: %s)\n' "$BENCH_SECS" "$want"
  echo "  $BENCH_OUT"

  # The sync's remote: the first $sn files of the tree, served by this httpd
  # (linked, or copied when the tree is on another file system).
  mkdir -p "$d/remote"
  (cd "$BENCH_FS/tree" && find pool -type f | sort | awk -v n="$sn" 'NR <= n') > "$d/list"
  (cd "$BENCH_FS/tree" && xargs -a "$d/list" -d '\n' cp -al --parents -t "$d/remote" 2>/dev/null \
     || xargs -a "$d/list" -d '\n' cp -a --parents -t "$d/remote")
  (cd "$d/remote" \
     && xargs -a "$d/list" -d '\n' -P2 -n 500 sha256sum | sort -k2 \
       | while read -r sha path; do echo "$path,$sha,$(stat -c %s "$path")"; done > PULP_MANIFEST)
  sed "s|^|http://127.0.0.1:$CHECKPOINT_PORT/ingest-remote/|" "$d/list" > "$d/urls"
  mkdir -p "$d/storage2/artifact" "$d/storage2/tmp" "$d/wget"
  bench_timed wget wget -q -x -nH --cut-dirs=1 -P "$d/wget" -i "$d/urls"
  local t_wget=$BENCH_SECS
  bench_timed sync "$CKPT_BUILD_DIR/checkpoint" --database "$CKPT_CONNINFO" --storage "$d/storage2" \
    sync bench-sync "http://127.0.0.1:$CHECKPOINT_PORT/ingest-remote/" --create --json
  printf 'ingest sync %5s files %7ss  wget (one connection, the same URLs) %ss  ratio %s  peak RSS %s MiB\n' \
    "$sn" "$BENCH_SECS" "$t_wget" "$(bench_ratio "$BENCH_SECS" "$t_wget")" "$BENCH_RSS_MB"
  echo "  $BENCH_OUT"
  bench_timed resync "$CKPT_BUILD_DIR/checkpoint" --database "$CKPT_CONNINFO" --storage "$d/storage2" \
    sync bench-sync "http://127.0.0.1:$CHECKPOINT_PORT/ingest-remote/" --json
  printf 'ingest re-sync same    %8ss  (reads the manifest only)\n' "$BENCH_SECS"
  echo "  $BENCH_OUT"
  bench_ingest_clean
}
