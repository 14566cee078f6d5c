#!/usr/bin/env perl
# Replication and failover on scripts/cluster (a primary, a hot standby,
# two httpd nodes sharing storage): no wrong answer while the standby lags
# (replay paused), content from whichever database answers, the API 503
# while the primary is away, writes again once it is back or once the
# standby is promoted, and one node serving while the other is killed.
# Run by scripts/test; on its own:
#   CKPT_MODULE=.state/build-normal/.libs/mod_checkpoint.so prove tests/cluster.t
use strict;
use warnings FATAL => 'all';
use Test::More;
use LWP::UserAgent;
use HTTP::Request;
use JSON::PP;
use MIME::Base64 qw(encode_base64);
use Time::HiRes qw(time sleep);
use FindBin;

my $top = "$FindBin::Bin/..";
my $cluster = "$top/scripts/cluster";
$ENV{CHECKPOINT_STATE} //= "$top/.state";
$ENV{CHECKPOINT_PORT} //= 9380;
$ENV{CHECKPOINT_ADMIN_PASSWORD} //= 'cluster-' . int(rand(1e9));
$ENV{CKPT_PG_FSYNC} //= 'off';
$ENV{CKPT_STANDBY_RETRY} //= 3;    # CheckpointStandbyRetry of both nodes
my $retry = $ENV{CKPT_STANDBY_RETRY};
my $cl = "$ENV{CHECKPOINT_STATE}/cluster";
my %web = (web1 => "http://127.0.0.1:$ENV{CHECKPOINT_PORT}",
           web2 => 'http://127.0.0.1:' . ($ENV{CHECKPOINT_PORT} + 1));
my $API = '/pulp/api/v3/';
my $json = JSON::PP->new->canonical;
my $ua = LWP::UserAgent->new(timeout => 30, max_redirect => 0, keep_alive => 1);
my $auth = 'Basic ' . encode_base64("admin:$ENV{CHECKPOINT_ADMIN_PASSWORD}", '');

sub cluster { system($cluster, @_) == 0 or die "scripts/cluster @_ failed" }

sub api {
    my ($node, $method, $path, $body, $type) = @_;
    my $req = HTTP::Request->new($method => $web{$node} . $path);
    $req->header(Authorization => $auth);
    if (defined $body) {
        $req->header('Content-Type' => $type // 'application/json');
        $req->content(ref $body ? $json->encode($body) : $body);
    }
    return $ua->request($req);
}
sub body { my $v = eval { $json->decode($_[0]->decoded_content) }; return $v // {} }
sub get { $ua->get($web{ $_[0] } . "/pulp/content/$_[1]") }

sub psql {
    my ($node, $sql) = @_;
    my $port = $ENV{CKPT_PGPORT} // 5432;
    my $out = `psql -h $cl/$node/sock -p $port -U checkpoint -d checkpoint -XAtqc "$sql" 2>&1`;
    chomp $out;
    return $out;
}

# Polls until code returns true, for at most $secs seconds.
sub within {
    my ($secs, $code) = @_;
    my $end = time + $secs;
    while (time < $end) { return 1 if $code->(); sleep 0.2 }
    return $code->();
}

sub ts_of { my ($created) = @_; $created =~ /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)/; "$1$2$3T$4$5$6Z" }
sub epoch_of {
    my ($ts) = @_;
    require Time::Local;
    $ts =~ /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/;
    return Time::Local::timegm($6, $5, $4, $3, $2 - 1, $1);
}
# Waits until second $n after checkpoint $ts is over: only a past second
# redirects (a future one is 404).
sub wait_past { my ($ts, $n) = @_; my $d = epoch_of($ts) + $n + 1 - time; sleep $d if $d > 0 }
sub ts_plus {
    my ($ts, $n) = @_;
    my @g = gmtime(epoch_of($ts) + $n);
    return sprintf '%04d%02d%02dT%02d%02d%02dZ', $g[5] + 1900, $g[4] + 1, @g[3, 2, 1, 0];
}

# A file into a repository (a new version) and a checkpoint of it, through
# $node; answers the checkpoint's timestamp.
sub checkpoint_with {
    my ($node, $repo, $bytes) = @_;
    my $res = api($node, 'POST', "${API}content/file/files/?relative_path=a.txt&repository=$repo->{pulp_href}",
                  $bytes, 'application/octet-stream');
    $res->code == 201 or die 'upload: ' . $res->status_line . ' ' . $res->content;
    $res = api($node, 'POST', "${API}publications/file/file/",
               { repository => $repo->{pulp_href}, checkpoint => JSON::PP::true() });
    $res->code == 201 or die 'publish: ' . $res->status_line . ' ' . $res->content;
    return ts_of(body($res)->{pulp_created});
}
sub new_repo_dist {
    my ($node, $name) = @_;
    my $repo = body(api($node, 'POST', "${API}repositories/file/file/", { name => $name }));
    my $res = api($node, 'POST', "${API}distributions/file/file/",
                  { name => $name, base_path => $name, repository => $repo->{pulp_href},
                    checkpoint => JSON::PP::true() });
    $res->code == 201 or die 'distribution: ' . $res->content;
    return $repo;
}
sub replayed_everything {
    psql('standby', 'SELECT pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn()') eq 't'
        && psql('primary', 'SELECT pg_current_wal_lsn()') eq psql('standby', 'SELECT pg_last_wal_replay_lsn()');
}
# status/ of $node on a new connection (so that any of its processes may
# answer, not the one a kept-alive connection stays with).
sub fresh_status {
    my ($node) = @_;
    my $fresh = LWP::UserAgent->new(timeout => 30, max_redirect => 0);
    return body($fresh->get($web{$node} . "${API}status/"));
}
# $n content requests to $node on new connections; answers how many were not 200.
sub failed_gets {
    my ($node, $path, $n) = @_;
    my $failed = 0;
    for (1 .. $n) {
        my $fresh = LWP::UserAgent->new(timeout => 30, max_redirect => 0);
        $failed++ if $fresh->get($web{$node} . "/pulp/content/$path")->code != 200;
    }
    return $failed;
}
sub max_age { my ($res) = @_; ($res->header('Cache-Control') // '') =~ /max-age=(\d+)/ ? $1 : undef }

system($cluster, 'destroy');
cluster('start');
my $t0 = time;
my $tag = 'c' . int(rand(1e6));

# ---- both nodes up, the standby streaming ----
my $repo = new_repo_dist('web1', $tag);
my $c1 = checkpoint_with('web1', $repo, "one\n");
ok(within(10, sub { get('web2', "$tag/$c1/a.txt")->code == 200 }), 'a checkpoint made on web1 is served by web2');
is(get('web2', "$tag/$c1/a.txt")->content, "one\n", 'with its bytes (one storage)');
my $st = body(api('web1', 'GET', "${API}status/"));
ok($st->{database_connection}{connected}, 'status/: the primary answers');
ok($st->{read_database_connection}{connected} && $st->{read_database_connection}{standby},
   'status/: content reads a hot standby');
cmp_ok(psql('standby', "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'mod_checkpoint_read'"),
       '>', 0, 'the httpd nodes hold content connections to the standby');

# ---- the node's shared catalog: what one process read, another takes ----
# One kept-alive connection is one process; status/ tells that process's
# catalog.  The first process that lists the repository's root reads its
# block from the database; any other process of web1 then takes it from
# the shared catalog (CheckpointSharedCatalogSize) without reading it.
sub on_one_process {
    my ($path) = @_;
    my $c = LWP::UserAgent->new(timeout => 30, max_redirect => 0, keep_alive => 1);
    my $cat = sub {
        my $r = $c->get("$web{web1}${API}status/");
        return (eval { $json->decode($r->decoded_content) } // {})->{content_cache}{this_process} // {};
    };
    my $before = $cat->();
    my $code = $c->get("$web{web1}/pulp/content/$path")->code;
    my $after = $cat->();
    return { pid => $before->{pid}, same => ($after->{pid} // 0) == ($before->{pid} // -1), code => $code,
             map { $_ => ($after->{$_} // 0) - ($before->{$_} // 0) } qw(block_loads shared_block_hits) };
}
# Through catalogs that hold c1: a reading older than c1 (the standby not
# yet there, or within CheckpointCacheRefresh of its publication) would
# send the listing of its exact second to the primary (answer.unseen),
# with no block read.
ok(within(10, \&replayed_everything), 'the standby has replayed the first checkpoint');
sleep 0.6;
{
    my $first = on_one_process("$tag/$c1/");
    ok($first->{same} && $first->{code} == 200 && $first->{block_loads} >= 1,
       'web1: the first process to list a directory reads its block') or diag explain $first;
    my ($other, %seen) = (undef, ($first->{pid} // 0) => 1);
    for (1 .. 60) {
        my $o = on_one_process("$tag/$c1/");
        if ($o->{same} && !$seen{ $o->{pid} }) { $other = $o; last }
        $seen{ $o->{pid} // 0 } = 1;   # this one has seen it now
    }
    ok($other, 'web1: another of its processes answered one of 60 new connections');
    $other //= {};
    is($other->{code}, 200, 'web1: another process lists it');
    ok(($other->{block_loads} // 1) == 0 && ($other->{shared_block_hits} // 0) >= 1,
       'web1: from the shared catalog, without reading the block') or diag explain $other;
}

# ---- replication lag: the standby's replay paused ----
wait_past($c1, 1);    # so that a second lies between the two checkpoints
psql('standby', 'SELECT pg_wal_replay_pause()');
ok(within(5, sub { body(api('web2', 'GET', "${API}status/"))->{read_database_connection}{replay_paused} }),
   'status/ says the standby is paused');
my $c2 = checkpoint_with('web1', $repo, "two\n");
my $late = "$tag-late";
my $late_repo = new_repo_dist('web1', $late);
my $l1 = checkpoint_with('web1', $late_repo, "late\n");
sleep 1.2;    # the catalogs read the generation again
is(psql('standby', "SELECT count(*) FROM distribution WHERE base_path = '$late'"), 0,
   'the standby has not replayed the new checkpoint');
for my $node (qw(web1 web2)) {
    my $res = get($node, "$tag/$c2/a.txt");
    is($res->code, 200, "$node: the checkpoint the standby lacks is 200, not 301 or 404");
    is($res->content, "two\n", "$node: with its bytes");
    $res = get($node, "$tag/" . ts_plus($c2, 1) . "/a.txt");
    is($res->code, 301, "$node: a later second redirects");
    like($res->header('Location') // '', qr{/$tag/$c2/a\.txt$}, "$node: to the checkpoint the primary made");
    $res = get($node, "$tag/a.txt");
    like($res->header('Location') // '', qr{/$tag/$c2/a\.txt$}, "$node: the TimeGate too");
    $res = get($node, "$late/$l1/a.txt");
    is($res->code, 200, "$node: a distribution the standby lacks is 200, not 404");
    $res = get($node, "$tag/" . ts_plus($c1, 1) . "/a.txt");
    is($res->code, 301, "$node: a second between the two");
    like($res->header('Location') // '', qr{/$tag/$c1/a\.txt$}, "$node: to the checkpoint then");
}
psql('standby', 'SELECT pg_wal_replay_resume()');
ok(within(10, \&replayed_everything), 'replay resumed and caught up');
# A refresh interval (CheckpointCacheRefresh) for every process's catalog
# to read the standby again: one whose reading predates the replay takes
# c2 for a second it may not see yet, and with the primary killed below
# gives its first answer (a redirect to c1, for a second only).
sleep 0.6;

# ---- the primary killed ----
cluster('kill', 'primary');
my $res = api('web1', 'GET', "${API}repositories/file/file/");
is($res->code, 503, 'primary down: the API is 503');
like($res->header('Retry-After') // '', qr/^\d+$/, 'with Retry-After');
$res = api('web2', 'GET', "${API}status/");
is($res->code, 503, 'status/ is 503');
$st = body($res);
ok(!$st->{database_connection}{connected}, 'status/: the primary is down');
ok($st->{read_database_connection}{connected}, 'status/: the standby answers');
for my $node (qw(web1 web2)) {
    my $t = time;
    $res = get($node, "$tag/$c2/a.txt");
    is($res->code, 200, "$node: content from the standby");
    cmp_ok(time - $t, '<', 5, "$node: within the connect timeout");
    $res = get($node, "$tag/a.txt");
    is($res->code, 302, "$node: the TimeGate answers from the standby");
    cmp_ok(max_age($res) // 99, '<=', 1, "$node: but only for a second");
    $res = get($node, 'no-such-distribution/x');
    is($res->code, 404, "$node: an unknown distribution is 404") or diag $res->as_string;
    is($res->header('Cache-Control') // '', 'no-cache', "$node: not to be kept");
}

# ---- the primary back: writes resume without restarting httpd ----
cluster('start', 'primary');
ok(within(15, sub { api('web2', 'GET', "${API}repositories/file/file/")->code == 200 }),
   'primary back: the API answers again');
my $c3 = checkpoint_with('web2', $repo, "three\n");
ok(within(10, sub { get('web1', "$tag/$c3/a.txt")->code == 200 }), 'and a new checkpoint is served');

# ---- the standby killed: content from the primary ----
cluster('kill', 'standby');
wait_past($c3, 1);
for my $node (qw(web1 web2)) {
    my $t = time;
    $res = get($node, "$tag/$c3/a.txt");
    is($res->code, 200, "$node: standby down, content from the primary");
    cmp_ok(time - $t, '<', 5, "$node: within the connect timeout");
    is(get($node, "$tag/" . ts_plus($c3, 1) . '/a.txt')->code, 301, "$node: redirects too");
}
$st = body(api('web1', 'GET', "${API}status/"));
ok($st->{read_database_connection}{connected} && !$st->{read_database_connection}{standby},
   'status/: the read side is on the primary') or diag explain $st->{read_database_connection};
# CheckpointStandbyRetry passes with the standby still away: the
# connections on the primary try it again, find none and stay; no request
# sees it.
cmp_ok(psql('primary', "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'mod_checkpoint_read'"),
       '>', 0, 'content connections (application_name mod_checkpoint_read) on the primary');
sleep $retry + 0.5;
for my $node (qw(web1 web2)) {
    is(failed_gets($node, "$tag/$c3/a.txt", 20), 0, "$node: standby still down after the retry interval, no request fails");
}
ok(!fresh_status('web1')->{read_database_connection}{standby}, 'status/: the read side stays on the primary');

# ---- the standby back: reads go back to it within CheckpointStandbyRetry ----
cluster('start', 'standby');
ok(within(15, \&replayed_everything), 'the standby is back and caught up');
my $back = time;
my $failed = 0;
for my $node (qw(web1 web2)) {
    # Ten answers in a row from the standby, each on a new connection (any
    # process), content requests between them.
    my $row = 0;
    ok(within($retry + 5, sub {
        $failed += failed_gets($node, "$tag/$c3/a.txt", 2);
        $row = fresh_status($node)->{read_database_connection}{standby} ? $row + 1 : 0;
        $row >= 10 }), "$node: status/ shows reads on the standby again") or diag "$row in a row";
}
is($failed, 0, 'no content request failed while the connections went back to the standby');
cmp_ok(psql('standby', "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'mod_checkpoint_read'"),
       '>', 0, 'content connections on the standby again');
diag sprintf 'reads back on the standby %.1f s after it caught up (CheckpointStandbyRetry %d)', time - $back, $retry;

# ---- a killed Apache node ----
cluster('kill', 'web1');
my $c4 = checkpoint_with('web2', $repo, "four\n");
$res = get('web2', "$tag/$c4/a.txt");
is($res->code, 200, 'web1 killed: web2 takes uploads and serves') or diag($res->as_string, ' at ', time);
is(get('web2', "$tag/$c1/a.txt")->content, "one\n", 'and what web1 stored');
cluster('start', 'web1');
is(get('web1', "$tag/$c4/a.txt")->content, "four\n", 'web1 back serves what web2 stored');

# ---- the standby promoted ----
cluster('kill', 'primary');
cluster('promote');
my $c5;
ok(within(20, sub { $c5 = eval { checkpoint_with('web1', $repo, "five\n") }; defined $c5 }),
   'standby promoted: writes go to it, httpd not restarted');
for my $node (qw(web1 web2)) {
    is(get($node, "$tag/$c5/a.txt")->content // '', "five\n", "$node: serves the new primary's checkpoint");
}
$st = body(api('web2', 'GET', "${API}status/"));
ok($st->{database_connection}{connected} && $st->{read_database_connection}{connected}
   && !$st->{read_database_connection}{standby}, 'status/: both sides on the promoted server');

# No crash and no sanitizer report in either node's log.
for my $node (qw(web1 web2)) {
    my $bad = `grep -cE 'exit signal|AddressSanitizer|runtime error:|:crit\\]' $cl/$node/error.log`;
    chomp $bad;
    is($bad, '0', "$node: no crash in its error log");
}
diag sprintf 'cluster test: %.0f s', time - $t0;
system($cluster, 'destroy') unless $ENV{CKPT_KEEP};
done_testing();
