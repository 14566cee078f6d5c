# Sourced by scripts/bench (CKPT_BENCH_ONLY matching "ingest", or unset):
# the ingest benchmark of issue 10, against the bench's PostgreSQL, storage
# and httpd.
#   CKPT_BENCH_INGEST_FILES  the tree (default 100000, about 1.2 GiB)
#   CKPT_BENCH_SYNC_FILES    the remote of the sync (default 10000)
# Prints, in the same run: the first import against `cp -a` + `sync` of the
# same tree onto the same file system (before and after the import; the
# ratio is to the faster); a
# re-import of the unchanged tree; a re-import with 1 % changed; a sync
# from this httpd against wget of the same files; a re-sync; the peak RSS
# of each.

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

# cp -a of the tree onto the same file system, then sync: BENCH_CP (both)
# and BENCH_CP_ONLY (the copy alone).
bench_cp() {
  local d=$CHECKPOINT_STATE/bench-ingest t0 t1
  sync; t0=$(bench_now); cp -a "$d/tree" "$d/cp"; t1=$(bench_now); BENCH_CP_ONLY=$(bench_secs "$t0" "$t1")
  sync; t1=$(bench_now); BENCH_CP=$(bench_secs "$t0" "$t1")
  rm -rf "$d/cp"
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
  local d=$CHECKPOINT_STATE/bench-ingest
  local cli=("$CKPT_BUILD_DIR/checkpoint" --database "$CKPT_CONNINFO" --storage "$CKPT_STORAGE")
  local t_cp t_cp_only t0 t1 want size
  rm -rf "$d"
  mkdir -p "$d"
  log "ingest: a tree of $n files"
  perl "$CKPT_TOP/scripts/bench-tree.pl" "$d/tree" "$n"
  size=$(du -sh --apparent-size "$d/tree" | cut -f1)
  echo
  echo "# ingest ($(date -u +%Y-%m-%d), $(nproc) cores; $n files, $size; PostgreSQL fsync=off)"

  bench_cp; t_cp=$BENCH_CP; t_cp_only=$BENCH_CP_ONLY
  bench_timed first "${cli[@]}" import bench-ingest "$d/tree" --create --json
  # cp -a again after the import, and the ratio to the faster of the two:
  # a machine that got busier meanwhile (or a disk that throttles after
  # gigabytes written) shows in the two, not in the ratio.
  bench_cp
  printf 'ingest first import    %8ss  cp -a + sync %ss and %ss (cp -a alone %ss)  ratio %s  peak RSS %s MiB\n' \
    "$BENCH_SECS" "$t_cp" "$BENCH_CP" "$t_cp_only" \
    "$(awk -v a="$BENCH_SECS" -v b="$t_cp" -v c="$BENCH_CP" 'BEGIN { printf "%.2f", a / (b < c ? b : c) }')" \
    "$BENCH_RSS_MB"
  echo "  $BENCH_OUT"

  bench_timed again "${cli[@]}" import bench-ingest "$d/tree" --json
  printf 'ingest re-import same  %8ss  (target < 5 s, no version)  peak RSS %s MiB\n' "$BENCH_SECS" "$BENCH_RSS_MB"
  echo "  $BENCH_OUT"

  want=$(bench_change_one_percent "$d/tree" "$n")
  bench_timed change "${cli[@]}" import bench-ingest "$d/tree" --json
  printf 'ingest re-import 1 %%   %8ss  (target < 10 s; changed/removed/added files: %s)\n' "$BENCH_SECS" "$want"
  echo "  $BENCH_OUT"

  # The sync's remote: the first $sn files of the tree, served by this httpd.
  mkdir -p "$d/remote/pool/000"
  cp -al "$d/tree/pool/000/"* "$d/remote/pool/000/"
  (cd "$d/remote" && find pool -type f | sort | awk -v n="$sn" 'NR <= n' > "$d/list" \
     && find pool -type f | sort | awk -v n="$sn" 'NR > n' | xargs -r rm -f \
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
  rm -rf "$d"
}
