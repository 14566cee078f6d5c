use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use LWP::UserAgent ();
use Time::HiRes qw(sleep);
use lib 't/lib';
use CkptTest;

# PostgreSQL goes away under a running httpd: requests that need it get 503
# with Retry-After, never 500 or a crash; when it is back they succeed again
# without restarting Apache.
my $url = 'http://' . Apache::TestRequest::hostport() . API . 'status/';
my $content = 'http://' . Apache::TestRequest::hostport() . '/pulp/content/';
my $ua = anon_ua();
my $log_from = -s (Apache::Test::vars('t_logs') . '/error_log');

# Warm every connection of the pool first, so the test also covers stale
# pooled connections, not only fresh ones.
for (1 .. 20) { $ua->get($url) }
is($ua->get($url)->code, 200, 'up before the outage');

pg_stop();
my @codes;
for (1 .. 10) {
    my $res = $ua->get($url);
    push @codes, $res->code;
    if ($res->code == 503) {
        like($res->header('Retry-After') // '', qr/^\d+$/, 'Retry-After on 503') if @codes == 1;
    }
}
is_deeply([ grep { $_ != 503 } @codes ], [], 'every request during the outage is 503')
    or diag "codes: @codes";
my $res = api('GET', API . 'repositories/file/file/');
is($res->code, 503, 'an API list during the outage is 503');
ok(defined $res->header('Retry-After'), 'with Retry-After');
my @content_codes = map { $ua->get("${content}nowhere/$_")->code } 1 .. 30;
is_deeply([ grep { $_ != 503 } @content_codes ], [], 'so is every content request');

# Issue 9, defect 6: a URL that is not UTF-8 names nothing and is refused
# before any query, so it is 404 even now, and logs nothing.
is($ua->get("${content}nowhere/%ff")->code, 404, 'a content URL that is not UTF-8 is 404 without the database');
is($ua->get("${content}x/%c0%af/y")->code, 404, 'an overlong encoding too');

pg_start();
my $code = 0;
for (1 .. 50) {
    $code = $ua->get($url)->code;
    last if $code == 200;
    sleep 0.2;
}
is($code, 200, 'status is 200 again after PostgreSQL is back, httpd never restarted');
my @after = map { $ua->get($url)->code } 1 .. 20;
is_deeply([ grep { $_ != 200 } @after ], [], 'and stays 200 on every pooled connection');

# Issue 9, defect 6: the outage is two lines per process in the log (one
# when it begins, one with a count when it ends), not one per request.
# A process says so at its first request that reaches the database
# again.  The requests above may all have gone to one that never met the
# outage (a 503 closes its connection, and the MPM may have started a new
# process meanwhile), so ask on new connections, which reach any process,
# until one that met it has answered.
my @ended;
for (1 .. 200) {
    @ended = error_log_lines(qr/CKPT111: database answers again/, $log_from);
    last if @ended;
    LWP::UserAgent->new(keep_alive => 0, timeout => 30)->get($url);
}
my @began = error_log_lines(qr/CKPT110: database unreachable/, $log_from);
my %per_pid;
$per_pid{$_}++ for map { /\[pid (\d+)/ ? $1 : 'none' } @began;
ok(@began >= 1, 'the outage is logged when it begins') or diag "no CKPT110 line";
is_deeply([ grep { $per_pid{$_} > 1 } keys %per_pid ], [], 'once per process') or diag @began;
ok(@ended >= 1, 'and when it ends') or diag "no CKPT111 line";
like($ended[0] // '', qr/after \d+ ms; [1-9]\d* connections or statements failed/, 'with how long and how many');
my @per_request = error_log_lines(qr/\[checkpoint:(error|warn)\].*(database|connection)/, $log_from);
cmp_ok(scalar(@per_request), '<=', scalar(@began), 'no line per refused request') or diag @per_request;

done_testing();
