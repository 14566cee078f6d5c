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
use List::Util qw(sum);

my $base    = $ENV{CKPT_BENCH_URL} or die "run scripts/bench";
my $api     = "$base/pulp/api/v3/";
my $rounds  = $ENV{CKPT_BENCH_ROUNDS}  || 9;
my $secs    = $ENV{CKPT_BENCH_SECONDS} || 3;
my $conns   = $ENV{CKPT_BENCH_CONNS}   || 32;
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

# ---- the large repository, straight into the schema with set-based SQL ----
print "# generating the large repository ($clarge checkpoints x $nlarge files) with SQL\n";
my $t0 = time;
psql(<<"SQL");
BEGIN;
CREATE TEMP TABLE g AS
  SELECT i, format('large/d%s/f%s.bin', i / 100, i) AS path, format('large/d%s', i / 100) AS dir
  FROM generate_series(0, $nlarge - 1) i;
INSERT INTO repository (name, latest_number) VALUES ('large', $clarge);
INSERT INTO repository_version (repository_id, number, present)
  SELECT r.id, v, CASE WHEN v = 0 THEN 0 ELSE $nlarge END FROM repository r, generate_series(0, $clarge) v
  WHERE r.name = 'large';
-- every file at version 1, then ten of them replaced in each later version
INSERT INTO content (relative_path, sha256)
  SELECT path, CASE WHEN i % 2 = 0 THEN '$f1k->{sha256}' ELSE '$big->{sha256}' END FROM g;
INSERT INTO content (relative_path, sha256)
  SELECT path, CASE WHEN i % 2 = 0 THEN '$big->{sha256}' ELSE '$f1k->{sha256}' END FROM g
  WHERE i < ($clarge - 1) * 10;
INSERT INTO repository_content (repository_id, content_id, relative_path, dir, sha256, size,
                                version_added, version_removed)
  SELECT r.id, c.id, g.path, g.dir, c.sha256, CASE WHEN g.i % 2 = 0 THEN 1024 ELSE 1048576 END,
         1, CASE WHEN g.i < ($clarge - 1) * 10 THEN 2 + g.i / 10 END
  FROM repository r, g JOIN content c ON c.relative_path = g.path
    AND c.sha256 = CASE WHEN g.i % 2 = 0 THEN '$f1k->{sha256}' ELSE '$big->{sha256}' END
  WHERE r.name = 'large';
INSERT INTO repository_content (repository_id, content_id, relative_path, dir, sha256, size,
                                version_added)
  SELECT r.id, c.id, g.path, g.dir, c.sha256, CASE WHEN g.i % 2 = 0 THEN 1048576 ELSE 1024 END,
         2 + g.i / 10
  FROM repository r, g JOIN content c ON c.relative_path = g.path
    AND c.sha256 = CASE WHEN g.i % 2 = 0 THEN '$big->{sha256}' ELSE '$f1k->{sha256}' END
  WHERE r.name = 'large' AND g.i < ($clarge - 1) * 10;
INSERT INTO publication (repository_id, repository_version_id, version_number, checkpoint,
                         checkpoint_second, manifest_sha256, pulp_created)
  SELECT v.repository_id, v.id, v.number, true,
         timestamptz '2020-01-01 00:00:00+00' + v.number * interval '1 minute',
         '$f1k->{sha256}', timestamptz '2020-01-01 00:00:00+00' + v.number * interval '1 minute'
  FROM repository_version v JOIN repository r ON r.id = v.repository_id
  WHERE r.name = 'large' AND v.number > 0;
INSERT INTO distribution (name, base_path, repository_id, checkpoint)
  SELECT 'large-ckpt', 'large-ckpt', id, true FROM repository WHERE name = 'large';
INSERT INTO distribution (name, base_path, repository_id, checkpoint)
  SELECT 'large-plain', 'large-plain', id, false FROM repository WHERE name = 'large';
COMMIT;
SQL
# Vacuumed and flushed now, so that no autovacuum or checkpoint of these
# millions of rows runs during the measurements.
psql('VACUUM (ANALYZE)');
psql('CHECKPOINT');
printf "# large repository generated in %.0f s\n", time - $t0;
# Large checkpoints are a minute apart from 2020-01-01 00:01:00.
my $large_last = psql("SELECT to_char(max(p.pulp_created) AT TIME ZONE 'UTC', 'YYYYMMDD\"T\"HH24MISS\"Z\"') FROM publication p JOIN repository r ON r.id = p.repository_id WHERE r.name = 'large'");
my $large_mid = psql("SELECT to_char((timestamptz '2020-01-01 00:00:00+00' + ($clarge / 2) * interval '1 minute') AT TIME ZONE 'UTC', 'YYYYMMDD\"T\"HH24MISS\"Z\"')");
# A 1 KiB file (even index) and a 1 MiB file (odd index) that no version
# replaces (the last ones), present at the middle checkpoint.
die "CKPT_BENCH_LARGE_FILES must exceed 10 x checkpoints\n" if $nlarge - 2 < ($clarge - 1) * 10;
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

sub next_min {
    my ($ts) = @_;
    my $t = $ts;
    $t = next_sec($t) for 1 .. 60;
    return $t;
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
@scenarios = grep { $_->[0] =~ /$ENV{CKPT_BENCH_ONLY}/ } @scenarios if $ENV{CKPT_BENCH_ONLY};
# Every URL must answer as expected before it is measured.
for my $s (@scenarios) {
    for my $u ($s->[2], $s->[3]) {
        my $res = $ua->get("$base$u");
        my $want = $s->[0] =~ /redirect/ && $u eq $s->[3] ? 301 : 200;
        die "$u answered " . $res->code . " (want $want)\n" . $res->content unless $res->code == $want;
    }
}

sub wrk {
    my ($url) = @_;
    my $out = `wrk -t2 -c$conns -d${secs}s --latency '$base$url' 2>&1`;
    my ($rps) = $out =~ /Requests\/sec:\s+([\d.]+)/;
    my %lat;
    for my $q (50, 99) {
        my ($v, $u) = $out =~ /^\s+$q%\s+([\d.]+)(us|ms|s)\s*$/m;
        $lat{$q} = defined $v ? $v * ($u eq 'us' ? 0.001 : $u eq 's' ? 1000 : 1) : undef;
    }
    die "wrk failed for $url:\n$out" unless $rps;
    return { rps => $rps, p50 => $lat{50}, p99 => $lat{99} };
}

sub median { my @s = sort { $a <=> $b } @_; @s % 2 ? $s[$#s / 2] : ($s[@s / 2 - 1] + $s[@s / 2]) / 2 }

# Warm up every URL once (connections, caches, the kernel's page cache),
# so that no first round pays for them.
system("wrk -t1 -c4 -d1s '$base$_' >/dev/null 2>&1") for map { ($_->[2], $_->[3]) } @scenarios;

my @rss_before = child_rss();
print "# wrk: $rounds rounds x ${secs}s, $conns connections, static and module interleaved (a b, b a, ...)\n";
my @rows;
for my $s (@scenarios) {
    my (@thr, @p50, @p99, @raw);
    for my $r (1 .. $rounds) {
        # a b, then b a: neither side always runs first
        my ($a, $b);
        if ($r % 2) { $a = wrk($s->[2]); $b = wrk($s->[3]) }
        else        { $b = wrk($s->[3]); $a = wrk($s->[2]) }
        push @thr, $b->{rps} / $a->{rps};
        push @p50, $b->{p50} / $a->{p50};
        push @p99, $b->{p99} / $a->{p99};
        push @raw, [$a, $b];
    }
    my $row = { name => $s->[0], repo => $s->[1], thr => median(@thr), p50 => median(@p50),
                p99 => median(@p99),
                a_rps => median(map { $_->[0]{rps} } @raw), b_rps => median(map { $_->[1]{rps} } @raw),
                a_p50 => median(map { $_->[0]{p50} } @raw), b_p50 => median(map { $_->[1]{p50} } @raw),
                a_p99 => median(map { $_->[0]{p99} } @raw), b_p99 => median(map { $_->[1]{p99} } @raw) };
    push @rows, $row;
    printf "%-26s %-6s thr %.2fx  p50 %.2fx  p99 %.2fx   (static %.0f req/s p50 %.2fms p99 %.2fms; module %.0f req/s p50 %.2fms p99 %.2fms)\n",
        @$row{qw(name repo thr p50 p99 a_rps a_p50 a_p99 b_rps b_p50 b_p99)};
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

# ---- publishing a 100,000-file version ----
exit 0 if $ENV{CKPT_BENCH_ONLY} && 'publish growth' !~ /$ENV{CKPT_BENCH_ONLY}/;
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
