use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use Time::HiRes qw(sleep);
use lib 't/lib';
use CkptTest;

# PostgreSQL goes away under a running httpd: requests that need it get 503
# with Retry-After, never 500 or a crash; when it is back they succeed again
# without restarting Apache.
my $url = 'http://' . Apache::TestRequest::hostport() . API . 'status/';
my $ua = anon_ua();

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

done_testing();
