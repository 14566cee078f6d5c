#!/usr/bin/perl
# The measurements of scripts/bench (which starts the servers and sets the
# environment).  Prints raw figures and median ratios to plain static files.
use strict;
use warnings;
use JSON::PP ();
use LWP::UserAgent ();
use HTTP::Request ();
use MIME::Base64 ();
use Time::HiRes qw(time sleep);
use List::Util qw(sum max);
use FindBin ();
require "$FindBin::Bin/bench-data.pl";

$| = 1;
my $base    = $ENV{CKPT_BENCH_URL} or die "run scripts/bench";
my $api     = "$base/pulp/api/v3/";
my $rounds  = $ENV{CKPT_BENCH_ROUNDS}  || 9;
my $secs    = $ENV{CKPT_BENCH_SECONDS} || 3;
my $conns   = $ENV{CKPT_BENCH_CONNS}   || 32;
my $csecs   = $ENV{CKPT_BENCH_COLD_SECONDS} || $secs;
my $margin  = $ENV{CKPT_BENCH_LIST_MARGIN}  || 2;
my $mconns  = $ENV{CKPT_BENCH_MIXED_CONNS}  || 256;
my $msecs   = $ENV{CKPT_BENCH_MIXED_SECONDS} || 30;
my $mfirst  = $ENV{CKPT_BENCH_MIXED_FIRST}  || 5;
my $nocache = $ENV{CKPT_BENCH_NOCACHE_URL} or die "run scripts/bench";
my $lua     = "$FindBin::Bin/bench-urls.lua";
my $nlarge  = $ENV{CKPT_BENCH_LARGE_FILES}       || 1_000_000;
my $clarge  = $ENV{CKPT_BENCH_LARGE_CHECKPOINTS} || 10_000;
my $json    = JSON::PP->new->canonical;
my $ua      = LWP::UserAgent->new(timeout => 600, keep_alive => 1, max_redirect => 0);
$ua->default_header(Authorization => 'Basic '
    . MIME::Base64::encode_base64("admin:$ENV{CKPT_BENCH_PASSWORD}", ''));

sub call {
    my ($method, $path, $body, $type) = @_;
    my $url = $path =~ /^http/ ? $path : $path =~ m{^/} ? "$base$path" : "$api$path";
    my $req = HTTP::Request->new($method => $url);
    if (defined $body) {
        $req->header('Content-Type' => $type || 'application/json');
        $req->content(ref $body ? $json->encode($body) : $body);
    }
    my $res = $ua->request($req);
    die "$method $url: " . $res->status_line . "\n" . $res->decoded_content . "\n"
        unless $res->is_success;
    return $res->content =~ /^\s*[\[{]/ ? $json->decode($res->content) : $res->content;
}

sub psql {
    my ($sql) = @_;
    open(my $fh, '-|', $ENV{CKPT_PSQL}, '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1',
         '-d', $ENV{CKPT_CONNINFO}, '-c', $sql) or die "psql: $!";
    local $/;
    my $out = <$fh>;
    close $fh or die "psql failed: $sql\n";
    $out =~ s/\s+\z// if defined $out;
    return $out;
}

# Runs a psql script (several statements, psql's backslash commands) from
# standard input, stopping at the first error.
sub psql_script {
    my ($sql) = @_;
    open(my $fh, '|-', $ENV{CKPT_PSQL}, '-X', '-q', '-v', 'ON_ERROR_STOP=1',
         '-d', $ENV{CKPT_CONNINFO}, '-f', '-') or die "psql: $!";
    print $fh $sql;
    close $fh or die "psql script failed\n";
}

# The resident memory of each httpd child, in KiB.
sub child_rss {
    my $ppid = do { local @ARGV = ($ENV{CKPT_HTTPD_PIDFILE}); <> } or return ();
    chomp $ppid;
    my @rss;
    for my $st (glob '/proc/[0-9]*/status') {
        open(my $fh, '<', $st) or next;
        my %f = map { /^(\w+):\s+(\S+)/ ? ($1, $2) : () } <$fh>;
        push @rss, $f{VmRSS} if ($f{PPid} // '') eq $ppid && defined $f{VmRSS};
    }
    return @rss;
}

sub rand_bytes { my ($n) = @_; join '', map { chr int rand 256 } 1 .. $n }

sub ts_of {
    my ($pub) = @_;
    my ($y, $mo, $d, $h, $mi, $s) = $pub->{pulp_created} =~ /^(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)/;
    return "$y$mo${d}T$h$mi${s}Z";
}

sub upload {
    my ($path, $bytes, $repo) = @_;
    my $q = "content/file/files/?relative_path=$path" . ($repo ? "&repository=$repo" : '');
    return call('POST', $q, $bytes, 'application/octet-stream');
}

# ---- the small repository: 10 checkpoints x 100 files, through the API ----
print "# setting up the small repository (10 checkpoints x 100 files) through the API\n";
my $small = call('POST', 'repositories/file/file/', { name => 'small' });
my @units;
push @units, upload(sprintf('pool/f%03d.bin', $_), rand_bytes(1024))->{pulp_href} for 0 .. 98;
my $big = upload('pool/big.bin', rand_bytes(1024 * 1024));
push @units, $big->{pulp_href};
call('POST', "$small->{pulp_href}modify/", { add_content_units => \@units });
my @small_pubs;
for my $i (1 .. 10) {
    upload(sprintf('pool/f%03d.bin', 90 + $i - 1), rand_bytes(1024), $small->{pulp_href}) if $i > 1;
    push @small_pubs, call('POST', 'publications/file/file/',
                           { repository => $small->{pulp_href}, checkpoint => JSON::PP::true });
}
call('POST', 'distributions/file/file/', { name => 'small-ckpt', base_path => 'small-ckpt',
    repository => $small->{pulp_href}, checkpoint => JSON::PP::true });
call('POST', 'distributions/file/file/', { name => 'small-plain', base_path => 'small-plain',
    repository => $small->{pulp_href} });
my $f1k = call('GET', "content/file/files/?relative_path=pool/f050.bin")->{results}[0];
my $small_ts = ts_of($small_pubs[-1]);
my $small_ts_first = ts_of($small_pubs[0]);

# ---- the rows the content side serves, straight into the schema ----
# (scripts/bench-data.pl holds every INSERT, so a schema change is made there.)
my %rc_columns = map { $_ => 1 } split /\n/,
    psql("SELECT column_name FROM information_schema.columns WHERE table_name = 'repository_content'");
my $storage = $ENV{CKPT_STORAGE} or die "run scripts/bench";
my $bench_state = $ENV{CKPT_BENCH_STATE} or die "run scripts/bench";
system('rm', '-rf', $bench_state) == 0 or die "rm $bench_state";
mkdir $bench_state or die "$bench_state: $!";
my $filler = do { srand(8); rand_bytes(1024) };

# Writes a tab-separated file of staging rows (bench_unit of
# scripts/bench-data.pl) and returns the psql line that loads it.
sub units_file {
    my ($name, $rows) = @_;
    my $file = "$bench_state/$name.tsv";
    open(my $fh, '>', $file) or die "$file: $!";
    print $fh join("\t", map { $_ // '\N' } @$_), "\n" for @$rows;
    close $fh or die "$file: $!";
    return "\\copy bench_unit (relative_path, sha256, size, version_added, version_removed) FROM '$file'\n";
}

# A 1 KiB file whose bytes start with $head (so every head is a new artifact).
sub artifact_1k { my ($head) = @_; bench_write_artifact($storage, substr($head . $filler, 0, 1024)) }

# Which scenarios run (CKPT_BENCH_ONLY), so that what none of them needs is
# not generated.
my $only = $ENV{CKPT_BENCH_ONLY};
sub selected { my ($name) = @_; !defined $only || $name =~ /$only/ }
my @cold_names = ('cold exact checkpoint 1 KiB', 'cold redirect (301)', 'cold listing (100 entries)',
                  'mixed 256', 'mixed 256 graceful');
my $need_cold = grep { selected($_) } @cold_names;

# The large repository: every file at version 1, then ten of them replaced
# in each later version; and the index paths of issue 8: dists/stable/*
# get a new unit in every version ([v, v+1)), dists/frozen/* (the same
# shape) never change.
die "CKPT_BENCH_LARGE_FILES must exceed 10 x checkpoints\n" if $nlarge - 2 < ($clarge - 1) * 10;
my @index_paths = ('Release', 'InRelease', 'main/binary-amd64/Packages.xz');
print "# generating the large repository ($clarge checkpoints x $nlarge files, "
    . "dists/stable/ changed in every checkpoint, dists/frozen/ never) with SQL\n";
my $t0 = time;
my (%stable_sha, %frozen_sha, @index_rows);
for my $ip (@index_paths) {
    for my $v (1 .. $clarge) {
        my $sha = artifact_1k("dists/stable/$ip of the large repository, version $v\n");
        $stable_sha{$ip}[$v] = $sha;
        push @index_rows, ["dists/stable/$ip", $sha, 1024, $v, $v < $clarge ? $v + 1 : undef];
    }
    $frozen_sha{$ip} = artifact_1k("dists/frozen/$ip of the large repository, version 1\n");
    push @index_rows, ["dists/frozen/$ip", $frozen_sha{$ip}, 1024, 1, undef];
}
my ($sk, $sm) = ($f1k->{sha256}, $big->{sha256});
psql_script(join '', "BEGIN;\n",
    bench_sql_checkpoint_repository(name => 'large', versions => $clarge, present => $nlarge + 6,
        first => '2020-01-01 00:00:00+00', step => '1 minute', manifest_sha256 => $sk, plain => 1),
    bench_sql_units_begin(), <<"SQL",
INSERT INTO bench_unit (relative_path, sha256, size, version_added, version_removed)
  SELECT format('large/d%s/f%s.bin', i / 100, i),
         CASE WHEN i % 2 = 0 THEN '$sk' ELSE '$sm' END, CASE WHEN i % 2 = 0 THEN 1024 ELSE 1048576 END,
         1, CASE WHEN i < ($clarge - 1) * 10 THEN 2 + i / 10 END
  FROM generate_series(0, $nlarge - 1) i
  UNION ALL
  SELECT format('large/d%s/f%s.bin', i / 100, i),
         CASE WHEN i % 2 = 0 THEN '$sm' ELSE '$sk' END, CASE WHEN i % 2 = 0 THEN 1048576 ELSE 1024 END,
         2 + i / 10, NULL
  FROM generate_series(0, ($clarge - 1) * 10 - 1) i;
SQL
    units_file('large-index', \@index_rows),
    bench_sql_units_load('large', \%rc_columns), "COMMIT;\n");
printf "# large repository generated in %.0f s\n", time - $t0;

# The cold repository of issue 8: $ncold distinct 1 KiB files, 100 a
# directory, $ccold checkpoints a minute apart from 2021-01-01 00:01:00;
# in each checkpoint after the first, 1 % of the files get new bytes (a
# fixed permutation spreads them over the directories; with more than 101
# checkpoints a file changes more than once).  $cold_sha[$i] lists
# [version, sha256] of file i, oldest first.
my $ncold  = $ENV{CKPT_BENCH_COLD_FILES}       || 100_000;
my $ccold  = $ENV{CKPT_BENCH_COLD_CHECKPOINTS} || 100;
my $churn  = int($ncold / 100) || 1;
my @cold_sha;
if ($need_cold) {
    $t0 = time;
    print "# generating the cold repository ($ccold checkpoints x $ncold files of 1 KiB, $churn new in each)\n";
    my $mul = 7919;
    $mul += 2 while gcd($mul, $ncold) != 1;
    my $inv = modinv($mul, $ncold);
    my %changes;
    for my $v (2 .. $ccold) {
        for my $j (0 .. $churn - 1) {
            my $place = (($v - 2) * $churn + $j) % $ncold;
            push @{ $changes{$place * $inv % $ncold} }, $v;
        }
    }
    my @rows;
    for my $i (0 .. $ncold - 1) {
        my $path = sprintf('cold/d%d/f%d.bin', int($i / 100), $i);
        my @vs = (1, @{ $changes{$i} || [] });
        for my $k (0 .. $#vs) {
            my $sha = artifact_1k("$path version $vs[$k]\n");
            push @{ $cold_sha[$i] }, [$vs[$k], $sha];
            push @rows, [$path, $sha, 1024, $vs[$k], $vs[$k + 1]];
        }
    }
    psql_script(join '', "BEGIN;\n",
        bench_sql_checkpoint_repository(name => 'cold', versions => $ccold, present => $ncold,
            first => '2021-01-01 00:00:00+00', step => '1 minute', manifest_sha256 => $sk),
        bench_sql_units_begin(), units_file('cold', \@rows),
        bench_sql_units_load('cold', \%rc_columns), "COMMIT;\n");
    printf "# cold repository generated in %.0f s: %d artifacts\n", time - $t0, scalar @rows;
}
# The httpd children read (and the API writes) the artifacts made here.
system('chown', '-R', "$ENV{CKPT_HTTPD_USER}:$ENV{CKPT_HTTPD_GROUP}", "$storage/artifact") == 0
    or die "chown $storage/artifact";

# Vacuumed and flushed now, so that no autovacuum or checkpoint of these
# millions of rows runs during the measurements.
psql('VACUUM (ANALYZE)');
psql('CHECKPOINT');

sub gcd { my ($a, $b) = @_; ($a, $b) = ($b, $a % $b) while $b; $a }
sub modinv {
    my ($a, $m) = @_;
    my ($t, $nt, $r, $nr) = (0, 1, $m, $a % $m);
    while ($nr) { my $q = int($r / $nr); ($t, $nt) = ($nt, $t - $q * $nt); ($r, $nr) = ($nr, $r - $q * $nr) }
    return $t < 0 ? $t + $m : $t;
}

# Large checkpoints are a minute apart from 2020-01-01 00:01:00, cold ones
# from 2021-01-01 00:01:00.
sub ts_epoch { my @g = gmtime $_[0]; sprintf('%04d%02d%02dT%02d%02d%02dZ', $g[5] + 1900, $g[4] + 1, @g[3, 2, 1, 0]) }
my $large_t0 = 1577836800;   # 2020-01-01 00:00:00 UTC
my $cold_t0  = 1609459200;   # 2021-01-01 00:00:00 UTC
my @large_ts = map { ts_epoch($large_t0 + 60 * $_) } 0 .. $clarge;
my @cold_ts  = map { ts_epoch($cold_t0 + 60 * $_) } 0 .. $ccold;
my $large_last = $large_ts[$clarge];
my $large_mid = $large_ts[int($clarge / 2)];
die "the large repository's newest checkpoint is not $large_last\n"
    unless psql("SELECT to_char(max(p.pulp_created) AT TIME ZONE 'UTC', 'YYYYMMDD\"T\"HH24MISS\"Z\"') FROM publication p JOIN repository r ON r.id = p.repository_id WHERE r.name = 'large'") eq $large_last;
# A 1 KiB file (even index) and a 1 MiB file (odd index) that no version
# replaces (the last ones), present at the middle checkpoint.
my $i1k = $nlarge % 2 ? $nlarge - 1 : $nlarge - 2;
my $i1m = $i1k - 1;
my $l1k = [sprintf('large/d%d/f%d.bin', int($i1k / 100), $i1k), $i1k];
my $l1m = [sprintf('large/d%d/f%d.bin', int($i1m / 100), $i1m), $i1m];

sub static_url { my ($sha) = @_; "/static/" . substr($sha, 0, 2) . '/' . substr($sha, 2) }
sub next_sec {
    my ($ts) = @_;
    my ($y, $mo, $d, $h, $mi, $s) = $ts =~ /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/;
    require Time::Local;
    my $t = Time::Local::timegm($s, $mi, $h, $d, $mo - 1, $y) + 1;
    my @g = gmtime $t;
    return sprintf('%04d%02d%02dT%02d%02d%02dZ', $g[5] + 1900, $g[4] + 1, $g[3], $g[2], $g[1], $g[0]);
}

my $s1k = static_url($f1k->{sha256});
my $s1m = static_url($big->{sha256});
my @scenarios = (
    # name, repo, static url, module url
    ['exact checkpoint 1 KiB', 'small', $s1k, "/pulp/content/small-ckpt/$small_ts/pool/f050.bin"],
    ['exact checkpoint 1 KiB', 'large', $s1k, "/pulp/content/large-ckpt/$large_mid/$l1k->[0]"],
    ['exact checkpoint 1 MiB', 'small', $s1m, "/pulp/content/small-ckpt/$small_ts/pool/big.bin"],
    ['exact checkpoint 1 MiB', 'large', $s1m, "/pulp/content/large-ckpt/$large_mid/$l1m->[0]"],
    ['redirect (301)',         'small', $s1k, "/pulp/content/small-ckpt/" . next_sec($small_ts) . "/pool/f050.bin"],
    ['redirect (301)',         'large', $s1k, "/pulp/content/large-ckpt/" . next_sec($large_mid) . "/$l1k->[0]"],
    ['listing (100 entries)',  'small', $s1k, "/pulp/content/small-ckpt/$small_ts/pool/"],
    ['listing (100 entries)',  'large', $s1k, "/pulp/content/large-ckpt/$large_mid/large/d" . int($l1k->[1] / 100) . "/"],
    ['plain distribution 1 KiB', 'small', $s1k, "/pulp/content/small-plain/pool/f050.bin"],
    ['plain distribution 1 KiB', 'large', $s1k, "/pulp/content/large-plain/$l1k->[0]"],
);
# CKPT_BENCH_ONLY=regex: only the scenarios whose name matches.
@scenarios = grep { selected($_->[0]) } @scenarios;
# Every URL must answer as expected before it is measured.
for my $s (@scenarios) {
    for my $u ($s->[2], $s->[3]) {
        my $res = $ua->get("$base$u");
        my $want = $s->[0] =~ /redirect/ && $u eq $s->[3] ? 301 : 200;
        die "$u answered " . $res->code . " (want $want)\n" . $res->content unless $res->code == $want;
    }
}

# One wrk run (2 threads): of one URL ($o{url}, absolute), or of a list of
# URL paths ($o{list}, a file) under $o{base}, walked by
# scripts/bench-urls.lua.  A run that exhausts its list dies, unless
# $o{calibrate} or $o{may_exhaust} (the caller then runs it again on a
# longer list of new URLs).  Latencies in ms.
sub wrk {
    my (%o) = @_;
    my ($c, $d) = ($o{conns} // $conns, $o{secs} // $secs);
    my $cmd = "wrk -t2 -c$c -d${d}s --latency";
    if ($o{list}) {
        $cmd .= " -s '$lua' '$o{base}' -- '$o{list}' 2 " . ($o{tag} // '-') . ' ' . ($o{status} ? 1 : 0);
    }
    else {
        $cmd .= " '$o{url}'";
    }
    my $out = `$cmd 2>&1`;
    my ($rps) = $out =~ /Requests\/sec:\s+([\d.]+)/;
    my %lat;
    for my $q (50, 99) {
        my ($v, $u) = $out =~ /^\s+$q%\s+([\d.]+)(us|ms|s)\s*$/m;
        $lat{$q} = defined $v ? $v * ($u eq 'us' ? 0.001 : $u eq 's' ? 1000 : 1) : undef;
    }
    die "wrk failed: $cmd\n$out" unless $rps && defined $lat{99};
    my %r = (rps => $rps, p50 => $lat{50}, p99 => $lat{99}, out => $out);
    ($r{requests}) = $out =~ /(\d+) requests in /;
    @r{qw(connect read write timeout)} = $out =~ /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/;
    $r{$_} //= 0 for qw(connect read write timeout);
    ($r{non23}) = $out =~ /Non-2xx or 3xx responses: (\d+)/;
    $r{non23} //= 0;
    if ($o{list}) {
        @r{qw(listed used exhausted)} = $out =~ /bench-urls listed (\d+) used (\d+) exhausted (\d+)/
            or die "wrk: no bench-urls summary: $cmd\n$out";
        @r{qw(s2 s3 s4 s5)} = $out =~ /bench-urls status 2xx (\d+) 3xx (\d+) 4xx (\d+) 5xx (\d+)/;
        die "a run exhausted its list of $r{listed} URLs ($r{used} requests): its URLs repeated, so it "
            . "measured the cache; raise CKPT_BENCH_LIST_MARGIN\n$cmd\n$out"
            if $r{exhausted} && !$o{calibrate} && !$o{may_exhaust};
    }
    return \%r;
}

sub median { my @s = sort { $a <=> $b } @_; @s % 2 ? $s[$#s / 2] : ($s[@s / 2 - 1] + $s[@s / 2]) / 2 }

# Runs $rounds rounds of a against b, interleaved (a b, then b a: neither
# side always runs first).  $run->($side, $round) makes one run of side
# 'a' or 'b'.  Returns the medians of the per-round ratios b/a and of the
# raw figures.
my @bad_runs;
sub compare {
    my ($label, $run) = @_;
    my (@thr, @p50, @p99, @raw);
    for my $r (1 .. $rounds) {
        my ($a, $b);
        if ($r % 2) { $a = $run->('a', $r); $b = $run->('b', $r) }
        else        { $b = $run->('b', $r); $a = $run->('a', $r) }
        for ([a => $a], [b => $b]) {
            my ($side, $x) = @$_;
            my $err = $x->{connect} + $x->{read} + $x->{write} + $x->{timeout} + $x->{non23};
            push @bad_runs, sprintf('%s round %d side %s: socket errors %d/%d/%d/%d, status >= 400: %d',
                $label, $r, $side, @$x{qw(connect read write timeout non23)}) if $err;
        }
        push @thr, $b->{rps} / $a->{rps};
        push @p50, $b->{p50} / $a->{p50};
        push @p99, $b->{p99} / $a->{p99};
        push @raw, [$a, $b];
    }
    return { thr => median(@thr), p50 => median(@p50), p99 => median(@p99),
             a_rps => median(map { $_->[0]{rps} } @raw), b_rps => median(map { $_->[1]{rps} } @raw),
             a_p50 => median(map { $_->[0]{p50} } @raw), b_p50 => median(map { $_->[1]{p50} } @raw),
             a_p99 => median(map { $_->[0]{p99} } @raw), b_p99 => median(map { $_->[1]{p99} } @raw) };
}

sub print_row {
    my ($row, $a_label, $b_label) = @_;
    printf "%-28s %-6s thr %.2fx  p50 %.2fx  p99 %.2fx   (%s %.0f req/s p50 %.2fms p99 %.2fms; %s %.0f req/s p50 %.2fms p99 %.2fms)\n",
        @$row{qw(name repo thr p50 p99)}, $a_label // 'static', @$row{qw(a_rps a_p50 a_p99)},
        $b_label // 'module', @$row{qw(b_rps b_p50 b_p99)};
}

# Warm up every URL once (connections, caches, the kernel's page cache),
# so that no first round pays for them.
system("wrk -t1 -c4 -d1s '$base$_' >/dev/null 2>&1") for map { ($_->[2], $_->[3]) } @scenarios;

my @rss_before = child_rss();
print "# wrk: $rounds rounds x ${secs}s, $conns connections, static and module interleaved (a b, b a, ...)\n";
my @rows;
for my $s (@scenarios) {
    my $row = compare("$s->[0] $s->[1]", sub {
        my ($side) = @_;
        wrk(url => $base . ($side eq 'a' ? $s->[2] : $s->[3]));
    });
    @$row{qw(name repo)} = @$s[0, 1];
    push @rows, $row;
    print_row($row);
}

my @rss_after = child_rss();
printf "\n# httpd children: %d; largest RSS %d KiB before the runs, %d KiB after (CheckpointCacheSize bounds the cache per child)\n",
    scalar @rss_after, (sort { $b <=> $a } @rss_before)[0] // 0, (sort { $b <=> $a } @rss_after)[0] // 0;

print "\n# large vs small (ratio of the module's median ratios; 1.00 = no difference)\n";
my %by;
$by{"$_->{name}"}{$_->{repo}} = $_ for @rows;
for my $n (map { $_->[0] } grep { $_->[1] eq 'small' } @scenarios) {
    my ($s, $l) = @{ $by{$n} }{qw(small large)};
    printf "%-26s thr %.2f  p50 %.2f  p99 %.2f\n", $n, $l->{thr} / $s->{thr}, $l->{p50} / $s->{p50}, $l->{p99} / $s->{p99};
}

# ==== issue 8: cold URLs, long histories, 256 connections ====
# Cold-ness: every run below walks a list of URLs (scripts/bench-urls.lua)
# drawn from pickers that hand out each (checkpoint or second, file or
# directory) once in this whole benchmark: no URL repeats within a run, no
# run repeats another's, so the per-process answer cache never answers.
srand(8);
my $urls_dir = "$bench_state/urls";
mkdir $urls_dir or die "$urls_dir: $!";
# Listings come from the large repository: the cold one has only
# 1,000 directories x 100 checkpoints = 100,000 (directory, checkpoint) pairs,
# fewer than the cold and mixed runs need.  Both have 100 files a directory.
my $dlarge = int(($nlarge + 99) / 100);

# With $peek set, take() gives any index and marks none (the lists of
# static runs that no module run shares: static files have no answer cache).
our $peek;
sub picker { return { size => $_[0], used => '', count => 0 } }
sub take {
    my ($p) = @_;
    return int rand $p->{size} if $peek;
    die "a URL picker is 80 % used ($p->{count} of $p->{size}): the dataset is too small for the runs\n"
        if $p->{count} >= $p->{size} * 0.8;
    while (1) {
        my $k = int rand $p->{size};
        next if vec($p->{used}, $k, 1);
        vec($p->{used}, $k, 1) = 1;
        $p->{count}++;
        return $k;
    }
}
sub reserve { my ($p, $k) = @_; $p->{count}++ unless vec($p->{used}, $k, 1); vec($p->{used}, $k, 1) = 1 }

my $pk_file     = picker($ccold * $ncold);                # (checkpoint, file)
my $pk_redirect = picker(($ccold - 1) * 59 * $ncold);     # (second between checkpoints, file)
my $pk_listing  = picker($clarge * $dlarge);              # (checkpoint, directory) of large
# The hot listing scenario's URL is never a cold one.
reserve($pk_listing, (int($clarge / 2) - 1) * $dlarge + int($l1k->[1] / 100));

sub cold_path { sprintf('cold/d%d/f%d.bin', int($_[0] / 100), $_[0]) }
sub cold_sha_at {
    my ($i, $c) = @_;
    my $sha;
    for (@{ $cold_sha[$i] }) { last if $_->[0] > $c; $sha = $_->[1] }
    return $sha;
}
# Any cold artifact: the static side of a listing.
sub any_cold_static { static_url(cold_sha_at(int rand $ncold, 1 + int rand $ccold)) }

# A few URLs requested again and again (answered from the caches).
my @hot = (
    (map { ["/pulp/content/large-ckpt/$large_last/dists/stable/$_", static_url($stable_sha{$_}[$clarge])] }
         @index_paths),
    ["/pulp/content/large-ckpt/$large_last/dists/stable/", static_url($stable_sha{InRelease}[$clarge])],
    ["/pulp/content/small-ckpt/$small_ts/pool/f050.bin", $s1k],
    ["/pulp/content/large-plain/$l1k->[0]", $s1k],
);

# Each kind of pick gives [module URL, static URL]: the static one is the
# artifact that the module's answer serves (a listing: any cold artifact).
my %pick = (
    file => sub {
        my $k = take($pk_file);
        my ($c, $i) = (1 + int($k / $ncold), $k % $ncold);
        return ["/pulp/content/cold-ckpt/$cold_ts[$c]/" . cold_path($i), static_url(cold_sha_at($i, $c))];
    },
    # a second 1 .. 59 s after checkpoint c (1 .. C-1): 301 to checkpoint c
    redirect => sub {
        my $k = take($pk_redirect);
        my ($s, $i) = (int($k / $ncold), $k % $ncold);
        my ($c, $o) = (1 + int($s / 59), 1 + $s % 59);
        return ["/pulp/content/cold-ckpt/" . ts_epoch($cold_t0 + 60 * $c + $o) . '/' . cold_path($i),
                static_url(cold_sha_at($i, $c))];
    },
    listing => sub {
        my $k = take($pk_listing);
        my ($c, $d) = (1 + int($k / $dlarge), $k % $dlarge);
        return ["/pulp/content/large-ckpt/$large_ts[$c]/large/d$d/", any_cold_static()];
    },
    hot => sub { $hot[int rand @hot] },
);

# Writes the lists of one run (module and static, line by line the same
# picks) and returns their file names.  $mix: {kind => weight}; $static_only:
# the module list is not used (so its picks need not be new).
my $list_seq = 0;
sub make_list {
    my ($n, $mix, $static_only) = @_;
    local $peek = $static_only;
    my @kinds = sort keys %$mix;
    my $total = sum(values %$mix);
    my $id = ++$list_seq;
    my ($mf, $sf) = ("$urls_dir/$id.module", "$urls_dir/$id.static");
    # one file per wrk thread (scripts/bench-urls.lua reads LIST.k)
    my (@m, @s);
    for my $t (0, 1) {
        open($m[$t], '>', "$mf.$t") or die "$mf.$t: $!";
        open($s[$t], '>', "$sf.$t") or die "$sf.$t: $!";
    }
    for my $j (1 .. $n) {
        my $x = rand $total;
        my $kind;
        for (@kinds) { $kind = $_; last if ($x -= $mix->{$_}) < 0 }
        my $p = $pick{$kind}->();
        print { $m[$j % 2] } "$p->[0]\n";
        print { $s[$j % 2] } "$p->[1]\n";
    }
    close $_ or die "$urls_dir: $!" for @m, @s;
    return { module => $mf, static => $sf, n => $n };
}
sub drop_list { unlink map { ("$_.0", "$_.1") } @{ $_[0] }{qw(module static)} }

# How many URLs the lists of a $d-second run need: $margin times what each
# side made in a 2-second calibration run (on URLs of its own, which no
# measured run uses), with $c connections, and at least $margin times the
# fastest static rate of the scenarios above (a calibration run on this
# shared machine can be slow).  Returns (static, module).
my $rate_floor;
sub list_sizes {
    my ($mix, $c, $d) = @_;
    $rate_floor //= max(0, map { $_->{a_rps} } @rows);
    my $cal = make_list(60_000, $mix);
    my $rs = wrk(base => $base, list => $cal->{static}, conns => $c, secs => 2, calibrate => 1);
    my $rm = wrk(base => $base, list => $cal->{module}, conns => $c, secs => 2, calibrate => 1);
    drop_list($cal);
    return map { int(max($_->{rps}, $rate_floor) * $d * $margin) + 1000 } $rs, $rm;
}

# Runs $run->($list) on the side $side of $$l, a list of $$n URLs; when the
# run exhausts its list (its URLs would repeat), says so and runs it again
# on a new list ($$l) twice as long ($$n), up to three times.
sub run_list {
    my ($l, $n, $mix, $side, $run, $static_only) = @_;
    for my $try (1 .. 4) {
        my $x = $run->($$l->{$side}, $try);
        return $x unless $x->{exhausted};
        die "a run exhausted its list of $x->{listed} URLs four times\n" if $try == 4;
        printf "# note: a %s run exhausted its list of %d URLs (%d requests); run again on %d new URLs\n",
            $side, $x->{listed}, $x->{used}, 2 * $$n;
        drop_list($$l);
        $$n *= 2;
        $$l = make_list($$n, $mix, $static_only);
    }
}

sub sha256_of { require Digest::SHA; Digest::SHA::sha256_hex($_[0]) }

# ---- cold URLs, 32 connections ----
my @cold_scenarios = grep { selected($_->[0]) } (
    ['cold exact checkpoint 1 KiB', 'cold',  { file => 1 },     200],
    ['cold redirect (301)',         'cold',  { redirect => 1 }, 301],
    ['cold listing (100 entries)',  'large', { listing => 1 },  200],
);
if (@cold_scenarios) {
    print "\n# cold URLs: no URL repeats in the benchmark; $rounds rounds x ${csecs}s, $conns connections\n";
    print "# (files and redirects: random checkpoint or second x file of the cold repository, $ccold checkpoints x $ncold files;\n";
    print "#  listings: random checkpoint x directory of the large repository; static: the artifacts of the same picks)\n";
}
for my $s (@cold_scenarios) {
    my ($name, $repo, $mix, $want) = @$s;
    # A few picks answer as they must (these URLs are used up here).
    for (1 .. 5) {
        my $p = $pick{(keys %$mix)[0]}->();
        my ($rm, $rs) = ($ua->get("$base$p->[0]"), $ua->get("$base$p->[1]"));
        die "$p->[1] answered " . $rs->code . "\n" unless $rs->code == 200;
        die "$p->[0] answered " . $rm->code . " (want $want)\n" unless $rm->code == $want;
        die "$p->[0] is not the bytes of $p->[1]\n"
            if $mix->{file} && '/static/' . join('/', unpack 'A2 A*', sha256_of($rm->content)) ne $p->[1];
        if ($want == 301) {
            my $to = $rm->header('Location') // '';
            my $rt = $ua->get($to =~ m{^https?://} ? $to : "$base$to");
            die "$p->[0] redirects to $to, which is not the bytes of $p->[1]\n"
                unless $rt->code == 200 && '/static/' . join('/', unpack 'A2 A*', sha256_of($rt->content)) eq $p->[1];
        }
        die "$p->[0]: not a listing of 100 files\n"
            if $mix->{listing} && (() = $rm->content =~ /<a href="f\d+\.bin">/g) != 100;
    }
    # both sides walk the same picks: as many as the faster side needs
    my $n = max(list_sizes($mix, $conns, $csecs));
    my %lists;
    my $row = compare($name, sub {
        my ($side, $r) = @_;
        $lists{$r} //= make_list($n, $mix);
        my $x = run_list(\$lists{$r}, \$n, $mix, $side eq 'a' ? 'static' : 'module', sub {
            wrk(base => $base, list => $_[0], secs => $csecs, may_exhaust => 1);
        });
        drop_list(delete $lists{$r}) if ($r % 2 ? 'b' : 'a') eq $side;
        return $x;
    });
    @$row{qw(name repo)} = ($name, $repo);
    print_row($row);
    printf "%-28s %-6s (lists of %d URLs a run)\n", '', '', $n;
}
print_catalogs('after the cold runs') if @cold_scenarios;

# What the processes' catalogs hold after a scenario, from status/ (each
# request is answered by some process; a few dozen reach them all).
sub print_catalogs {
    my ($when) = @_;
    my %by_pid;
    for (1 .. 40) {
        my $r = $ua->get("$base/pulp/api/v3/status/");
        next unless $r->code == 200;
        my $c = eval { JSON::PP::decode_json($r->content)->{content_cache} } or next;
        my $t = $c->{this_process} or next;
        $by_pid{$t->{pid}} = { %$t, limit => $c->{catalog_bytes} };
    }
    for my $pid (sort keys %by_pid) {
        my $t = $by_pid{$pid};
        printf "# catalog of process %d %s: %d directory blocks, %.1f of %.1f MiB, %d block loads, %d from the shared catalog, %d evictions; answers %d hits, %d misses\n",
            $pid, $when, $t->{directory_blocks}, $t->{catalog_bytes_used} / 1048576, $t->{limit} / 1048576,
            $t->{block_loads}, $t->{shared_block_hits} // 0, $t->{evictions}, $t->{answer_hits}, $t->{answer_misses};
    }
}

# ---- 256 connections, mixed URLs ----
my %mixed = (file => 55, redirect => 20, listing => 5, hot => 20);
my $mixed_label = sprintf('%d %% cold files, %d %% cold redirects, %d %% cold listings, %d %% hot (%d URLs)',
                          @mixed{qw(file redirect listing hot)}, scalar @hot);
my $access_log = "$ENV{CKPT_HTTPD_ROOT}/bench-access.log";
my $error_log  = "$ENV{CKPT_HTTPD_ROOT}/error.log";
# The event MPM logs AH00484 once in its lifetime (a graceful restart
# included): where this httpd's error log starts, to find earlier ones.
my $error_log_start = $ENV{CKPT_HTTPD_ERROR_LOG_START} // 0;

# Samples, until stopped, the PostgreSQL connections (the module's, the
# cache-less virtual host's, all client backends but the sampler's) and
# the httpd children; keeps the maxima in a file.
my $sampler_pid;
END { kill 'TERM', $sampler_pid if $sampler_pid }
sub start_sampler {
    my $file = "$bench_state/sampler";
    unlink $file;
    my $pid = fork // die "fork: $!";
    return [$sampler_pid = $pid, $file] if $pid;
    $sampler_pid = undef;
    my $stop = 0;
    local $SIG{TERM} = sub { $stop = 1 };
    my @max = (0, 0, 0, 0);
    my $sql = "SELECT count(*) FILTER (WHERE application_name = 'mod_checkpoint'), "
        . "count(*) FILTER (WHERE application_name = 'mod_checkpoint_nocache'), "
        . "count(*) FILTER (WHERE backend_type = 'client backend') - 1 FROM pg_stat_activity";
    until ($stop) {
        my $out = `'$ENV{CKPT_PSQL}' -X -Atq -d '$ENV{CKPT_CONNINFO}' -F ' ' -c "$sql" 2>/dev/null`;
        my @v = ((split ' ', $out // ''), scalar child_rss());
        $max[$_] = max($max[$_], $v[$_] // 0) for 0 .. 3;
        if (open(my $fh, '>', "$file.new")) { print $fh "@max\n"; close $fh; rename "$file.new", $file }
        sleep 0.25;
    }
    require POSIX;
    POSIX::_exit(0);
}
sub stop_sampler {
    my ($s) = @_;
    kill 'TERM', $s->[0];
    waitpid $s->[0], 0;
    $sampler_pid = undef;
    open(my $fh, '<', $s->[1]) or return (0, 0, 0, 0);
    return split ' ', scalar <$fh>;
}

sub pct {
    my ($q, @sorted) = @_;
    return 0 unless @sorted;
    return $sorted[int($q / 100 * $#sorted + 0.5)];
}
# The server's own figures (%D) of the requests of one run, from the
# access log that only tagged runs write; split at $split (epoch us) if given.
sub server_times {
    my ($tag, $split) = @_;
    my (@all, @early, @late, $bad);
    open(my $fh, '<', $access_log) or die "$access_log: $!";
    while (<$fh>) {
        my ($t, $us, $st, $d) = split;
        next unless defined $d && $t eq $tag;
        $bad++ if $st >= 400;
        push @all, $d;
        push @{ defined $split && $us < $split ? \@early : \@late }, $d if defined $split;
    }
    my $f = sub {
        my @s = sort { $a <=> $b } @_;
        return { n => scalar @s, p50 => pct(50, @s) / 1000, p99 => pct(99, @s) / 1000, max => ($s[-1] // 0) / 1000 };
    };
    return { all => $f->(@all), early => $f->(@early), late => $f->(@late), bad => $bad // 0 };
}
sub error_log_since {
    my ($off) = @_;
    open(my $fh, '<', $error_log) or return '';
    seek $fh, $off, 0;
    local $/;
    my $text = <$fh> // '';
    return $text;
}

sub mixed_run {
    my ($tag, $side, $n, $graceful) = @_;
    my $l = make_list($n, \%mixed, $side eq 'static');
    my ($off, $start, @samples);
    my $x = run_list(\$l, \$n, \%mixed, $side, sub {
        my ($list, $try) = @_;
        $tag .= "-$try" if $try > 1;
        $off = -s $error_log // 0;
        my $sampler = start_sampler();
        sleep 0.5;
        if ($graceful) {
            system($ENV{CKPT_HTTPD_BIN}, '-f', $ENV{CKPT_HTTPD_CONF}, '-k', 'graceful') == 0
                or die "httpd -k graceful failed\n";
        }
        $start = int(time * 1e6);
        my $x = eval { wrk(base => $base, list => $list, conns => $mconns, secs => $msecs, tag => $tag,
                           status => 1, may_exhaust => 1) };
        @samples = stop_sampler($sampler);
        die $@ unless $x;
        return $x;
    }, $side eq 'static');
    drop_list($l);
    @$x{qw(pg_module pg_nocache pg_all children)} = @samples;
    $x->{server} = server_times($tag, $start + $mfirst * 1e6);
    my $log = error_log_since($off);
    $x->{ah00484} = () = $log =~ /AH00484/g;
    ($x->{ah00484_before}) = substr(error_log_since($error_log_start), 0, $off - $error_log_start)
        =~ /^\[([^\]]*)\][^\n]*AH00484/m;
    $x->{log_lines} = () = $log =~ /\n/g;
    ($x->{log_first}) = $log =~ /^(.*)$/m;
    return $x;
}
sub print_mixed {
    my ($name, $x, $st) = @_;
    if ($st) {
        printf "%-28s thr %.2fx  p50 %.2fx  p99 %.2fx   (module %.0f req/s p50 %.2fms p99 %.2fms)\n",
            $name, $x->{rps} / $st->{rps}, $x->{p50} / $st->{p50}, $x->{p99} / $st->{p99}, @$x{qw(rps p50 p99)};
    }
    else {
        printf "%-28s (static %.0f req/s p50 %.2fms p99 %.2fms)\n", $name, @$x{qw(rps p50 p99)};
    }
    my $sv = $x->{server};
    printf "%-28s   answers 2xx %d 3xx %d 4xx %d 5xx %d; errors: socket connect %d read %d write %d timeout %d, status >= 400 %d\n",
        '', @$x{qw(s2 s3 s4 s5 connect read write timeout non23)};
    printf "%-28s   server (%%D, %d requests): p50 %.2fms p99 %.2fms max %.0fms\n", '', @{ $sv->{all} }{qw(n p50 p99 max)};
    printf "%-28s   MaxRequestWorkers reached: %s; error log: %d new lines%s\n", '',
        $x->{ah00484} ? "yes (AH00484 x$x->{ah00484})"
        : $x->{ah00484_before} ? "no AH00484 in this run, but httpd logs it only once and did at $x->{ah00484_before}"
        : 'no (no AH00484 since httpd started)', $x->{log_lines},
        $x->{log_lines} ? ", the first: $x->{log_first}" : '';
    printf "%-28s   during the run, at most: %d httpd children, %d PostgreSQL connections from the module "
        . "(%d from the cache-less virtual host, %d client backends in all)\n", '',
        @$x{qw(children pg_module pg_nocache pg_all)};
}

my @mixed_runs = grep { selected($_) } ('mixed 256', 'mixed 256 graceful');
if (@mixed_runs) {
    print "\n# $mconns connections, mixed URLs: $mixed_label; one ${msecs}s run each, wrk -t2 -c$mconns (timeout 2 s)\n";
    # A calibration run at 256 connections can meet a server that is still
    # starting processes: the module's lists are as long as the static one.
    my $ns = max(list_sizes(\%mixed, $mconns, $msecs));
    my $n = $ns;
    printf "# lists of %d URLs a run\n", $n;
    truncate $access_log, 0 if -e $access_log;
    my $st = mixed_run("static-$$", 'static', $ns);
    print_mixed("mixed $mconns static", $st);
    if (selected('mixed 256')) {
        print_mixed("mixed $mconns", mixed_run("mixed-$$", 'module', $n), $st);
    }
    if (selected('mixed 256 graceful')) {
        my $g = mixed_run("graceful-$$", 'module', $n, 1);
        print_mixed("mixed $mconns graceful", $g, $st);
        for ([early => "the first ${mfirst}s"], [late => 'the rest']) {
            my $p = $g->{server}{ $_->[0] };
            printf "%-28s   server, %s after the graceful restart: %d requests, p50 %.2fms p99 %.2fms max %.0fms\n",
                '', $_->[1], @$p{qw(n p50 p99 max)};
        }
    }
}
# ---- long histories: dists/stable/* changed in every checkpoint ----
# Hot: the same URL again and again (the process cache); cold: the same
# URL on the second port, whose virtual host has no answer cache.
my @hist_at = ([newest => $clarge], [middle => int($clarge / 2)], [oldest => 1]);
my @hist;
for my $temp (qw(hot cold)) {
    for my $kind (qw(file listing)) {
        for my $at (@hist_at) {
            my $name = "history $kind $temp";
            next unless selected($name);
            my $ts = $large_ts[$at->[1]];
            my ($u, $c) = $kind eq 'file'
                ? ("/pulp/content/large-ckpt/$ts/dists/frozen/InRelease", "/pulp/content/large-ckpt/$ts/dists/stable/InRelease")
                : ("/pulp/content/large-ckpt/$ts/dists/frozen/", "/pulp/content/large-ckpt/$ts/dists/stable/");
            my $b = $temp eq 'hot' ? $base : $nocache;
            push @hist, [$name, $at->[0], "$b$u", "$b$c",
                         $kind eq 'file' ? ($frozen_sha{InRelease}, $stable_sha{InRelease}[$at->[1]]) : ()];
        }
    }
}
if (@hist) {
    print "\n# long histories: the large repository's dists/stable/ (a new InRelease, Release, Packages.xz in each of $clarge\n";
    print "# checkpoints) against dists/frozen/ (never changed); ratio changing/unchanged; hot: one URL again and again,\n";
    print "# cold: one URL on a virtual host with CheckpointCacheSize 0; $rounds rounds x ${csecs}s, $conns connections\n";
}
for my $h (@hist) {
    my ($name, $at, $u, $c, @sha) = @$h;
    for my $i (0, 1) {
        my $res = $ua->get(($u, $c)[$i]);
        die(($u, $c)[$i] . " answered " . $res->code . "\n") unless $res->code == 200;
        die(($u, $c)[$i] . " is not its artifact\n") if @sha && sha256_of($res->content) ne $sha[$i];
        system("wrk -t1 -c4 -d1s '" . ($u, $c)[$i] . "' >/dev/null 2>&1");
    }
    my $row = compare("$name $at", sub { wrk(url => $_[0] eq 'a' ? $u : $c, secs => $csecs) });
    @$row{qw(name repo)} = ($name, $at);
    print_row($row, 'unchanged', 'changing');
}

if (@bad_runs) {
    print "\n# runs with errors:\n";
    print "$_\n" for @bad_runs;
}

sub next_min {
    my ($ts) = @_;
    my $t = $ts;
    $t = next_sec($t) for 1 .. 60;
    return $t;
}

# ---- diff: what changed between two checkpoints, in O(changes) ----
# Ten files change per checkpoint of the large repository: a diff of two
# neighbours reports 10 changes whatever the size of the repository and
# its history, one of the whole history 99,990.  Timed with curl (the
# whole streamed body), the median of 5 runs after 8 untimed ones (each
# httpd child loads the checkpoint list once); the wide one 3 times.
sub timed_get {
    my ($url, $n) = @_;
    my @t;
    my $bytes = 0;
    # Every httpd child loads a repository's checkpoints once: not timed.
    if ($n >= 5) { system("curl -s -o /dev/null '$base$url'") for 1 .. 8 }
    for (1 .. $n) {
        my $out = `curl -s -o /dev/null -w '%{http_code} %{size_download} %{time_total}' '$base$url'`;
        my ($code, $size, $secs) = split ' ', $out;
        die "$url answered $code\n" unless $code == 200;
        push @t, $secs;
        $bytes = $size;
    }
    return (median(@t), $bytes);
}

sub diff_counts {
    my ($url) = @_;
    my $j = $json->decode(scalar `curl -s '$base$url'`);
    return scalar(@{ $j->{added} }) + scalar(@{ $j->{removed} }) + scalar(@{ $j->{changed} });
}

if (!$ENV{CKPT_BENCH_ONLY} || 'diff' =~ /$ENV{CKPT_BENCH_ONLY}/) {
    print "\n# diff (streamed JSON; $clarge checkpoints x $nlarge files, ten changed per checkpoint)\n";
    my $large_prev = psql("SELECT to_char((max(p.pulp_created) - interval '1 minute') AT TIME ZONE 'UTC', 'YYYYMMDD\"T\"HH24MISS\"Z\"') FROM publication p JOIN repository r ON r.id = p.repository_id WHERE r.name = 'large'");
    my $large_first = psql("SELECT to_char(min(p.pulp_created) AT TIME ZONE 'UTC', 'YYYYMMDD\"T\"HH24MISS\"Z\"') FROM publication p JOIN repository r ON r.id = p.repository_id WHERE r.name = 'large'");
    my $small_prev = ts_of($small_pubs[-2]);
    my @cases = (
        ['neighbours, small repository', "/pulp/content/small-ckpt/diff/$small_prev/$small_ts/", 5],
        ['neighbours, large repository (newest)', "/pulp/content/large-ckpt/diff/$large_prev/$large_last/", 5],
        ['neighbours, large repository (middle)', "/pulp/content/large-ckpt/diff/$large_mid/" . next_min($large_mid) . "/", 5],
        ['TimeMap of a file changed once, large', "/pulp/content/large-ckpt/timemap/json/$l1k->[0]", 5],
        ['first to last, large repository', "/pulp/content/large-ckpt/diff/$large_first/$large_last/", 3],
    );
    for my $c (@cases) {
        my ($secs, $bytes) = timed_get($c->[1], $c->[2]);
        my $n = $c->[0] =~ /TimeMap/ ? '-' : diff_counts($c->[1]);
        printf "%-40s %8s changes  %10d bytes  %8.1f ms\n", $c->[0], $n, $bytes, $secs * 1000;
    }
}


exit 0 if $ENV{CKPT_BENCH_ONLY} && 'publish growth' !~ /$ENV{CKPT_BENCH_ONLY}/;
# ---- publishing a 100,000-file version ----
print "\n# publishing a 100,000-file version\n";
my $p = call('POST', 'repositories/file/file/', { name => 'p100k' });
psql("INSERT INTO content (relative_path, sha256) SELECT format('p100k/d%s/f%s.bin', i / 100, i), '$f1k->{sha256}' FROM generate_series(0, 99999) i");
my @hrefs = map { "/pulp/api/v3/content/file/files/$_/" }
    split /\n/, psql("SELECT id FROM content WHERE relative_path LIKE 'p100k/%'");
$t0 = time;
call('POST', "$p->{pulp_href}modify/", { add_content_units => \@hrefs });
my $t_modify = time - $t0;
$t0 = time;
call('POST', 'publications/file/file/', { repository => $p->{pulp_href} });
my $t_publish = time - $t0;
printf "modify adding 100,000 units: %.2f s; publication of 100,000 files: %.2f s\n", $t_modify, $t_publish;

# ---- database growth per checkpoint at 1 % churn ----
print "\n# database growth per checkpoint, 100,000 files, 1 % churn (1,000 replaced per checkpoint)\n";
my $c = call('POST', 'repositories/file/file/', { name => 'churn' });
psql("INSERT INTO content (relative_path, sha256) SELECT format('churn/d%s/f%s.bin', i / 100, i), '$f1k->{sha256}' FROM generate_series(0, 99999) i");
@hrefs = map { "/pulp/api/v3/content/file/files/$_/" }
    split /\n/, psql("SELECT id FROM content WHERE relative_path LIKE 'churn/%'");
call('POST', "$c->{pulp_href}modify/", { add_content_units => \@hrefs });
call('POST', 'publications/file/file/', { repository => $c->{pulp_href}, checkpoint => JSON::PP::true });
my $size_sql = "SELECT sum(pg_total_relation_size(t)) FROM unnest(ARRAY['repository_content', 'repository_version', 'publication']::regclass[]) t";
my $rows_sql = "SELECT count(*) FROM repository_content rc JOIN repository r ON r.id = rc.repository_id WHERE r.name = 'churn'";
psql("VACUUM ANALYZE repository_content");
my ($bytes0, $rows0) = (psql($size_sql), psql($rows_sql));
my $n = 10;
for my $k (1 .. $n) {
    # files (k-1)*1000 .. k*1000-1 get new bytes: 1 % of the repository
    my $sha = $big->{sha256};
    psql("INSERT INTO content (relative_path, sha256) SELECT format('churn/d%s/f%s.bin', i / 100, i), '$sha' FROM generate_series(($k - 1) * 1000, $k * 1000 - 1) i ON CONFLICT DO NOTHING");
    my @add = map { "/pulp/api/v3/content/file/files/$_/" } split /\n/,
        psql("SELECT id FROM content WHERE sha256 = '$sha' AND relative_path LIKE 'churn/%' AND substring(relative_path from 'f(\\d+)\\.bin')::int BETWEEN ($k - 1) * 1000 AND $k * 1000 - 1");
    call('POST', "$c->{pulp_href}modify/", { add_content_units => \@add });
    call('POST', 'publications/file/file/', { repository => $c->{pulp_href}, checkpoint => JSON::PP::true });
}
psql("VACUUM ANALYZE repository_content");
my ($bytes1, $rows1) = (psql($size_sql), psql($rows_sql));
printf "membership rows per checkpoint: %.0f (a full copy would be 100,000); bytes per checkpoint (membership, versions, publications, with indexes): %.0f\n",
    ($rows1 - $rows0) / $n, ($bytes1 - $bytes0) / $n;
my $total_rows = psql("SELECT count(*) FROM repository_content");
printf "whole database: %s membership rows for %d + %d + ... versions\n", $total_rows, $clarge, $n;
