use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use IO::Socket::INET;
use Time::HiRes qw(sleep);
use lib 't/lib';
use CkptTest qw(pg_stop pg_start cache_settle);
use CkptFixture;

# Hostile and odd requests: nothing is ever mapped outside storage, only
# GET and HEAD are served, base paths match by whole segments, and a
# database outage is a 503 with Retry-After.
my $r = fx_repository('hostile');
my $v = fx_version($r, { 'a.txt' => "a\n", 'd/b.txt' => "b\n" });
my $pub = fx_publication($r, $v, created => '2025-01-30 20:30:00');
fx_distribution('hp', publication => $pub);

# A raw request, exactly as written (no client-side normalisation).
sub raw {
    my ($method, $target) = @_;
    my ($host, $port) = split /:/, Apache::TestRequest::hostport();
    my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Timeout => 10) or die "connect: $!";
    print $s "$method $target HTTP/1.1\r\nHost: $host\r\nConnection: close\r\n\r\n";
    local $/;
    my $resp = <$s> // '';
    my ($code) = $resp =~ m{^HTTP/1\.\d (\d{3})};
    return ($code // 0, $resp);
}

subtest 'paths that climb out are refused, never mapped outside storage' => sub {
    for my $t ('/pulp/content/hp/../../../../etc/passwd', '/pulp/content/hp/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
               '/pulp/content/hp/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd', '/pulp/content/hp/d/..%2f..%2f..%2fetc/passwd',
               '/pulp/content/hp/..%5c..%5c..%5cetc/passwd', '/pulp/content/../../etc/passwd',
               '/pulp/content/hp/.%2e/.%2e/.%2e/etc/passwd') {
        my ($code, $resp) = raw('GET', $t);
        ok($code == 400 || $code == 404 || $code == 403, "$t is $code") or diag $resp;
        unlike($resp, qr/root:/, "$t shows no system file");
    }
    my ($code) = raw('GET', '/pulp/content/hp/d/../a.txt');
    is($code, 200, 'a ".." that stays inside is normalised by httpd and served');
};

subtest 'encoded slash, NUL and control bytes are refused' => sub {
    for my $t ('/pulp/content/hp%2Fa.txt', '/pulp/content/hp/d%2Fb.txt', '/pulp/content/hp/a.txt%00',
               '/pulp/content/hp/a%00.txt', '/pulp/content/hp/a%01.txt', '/pulp/content/hp/%0a') {
        my ($code) = raw('GET', $t);
        ok($code == 400 || $code == 404, "$t is $code");
    }
};

subtest 'an overlong path is refused' => sub {
    my ($code) = raw('GET', '/pulp/content/hp/' . ('x' x 5000));
    ok($code == 400 || $code == 404 || $code == 414, "5000 bytes: $code");
    ($code) = raw('GET', '/pulp/content/hp/' . join('/', ('d') x 2100));
    ok($code == 400 || $code == 404 || $code == 414, "2100 segments: $code");
    ($code) = raw('GET', '/pulp/content/hp/' . join('/', ('d') x 2000));
    is($code, 404, '2000 segments within the length limit: 404');
    ($code) = raw('GET', '/pulp/content/' . join('/', ('d') x 2000));
    is($code, 404, 'and as a base path');
};

subtest 'only GET and HEAD: 405 with Allow' => sub {
    # Issue 9, defect 11: Allow said HEAD,GET,TRACE, but TRACE is refused.
    for my $m (qw(POST PUT DELETE PATCH OPTIONS TRACE)) {
        my $res = get_url('hp/a.txt', $m);
        is($res->code, 405, "$m 405");
        my $allow = join(', ', sort map { s/^\s+|\s+$//gr } split /,/, $res->header('Allow') // '');
        is($allow, 'GET, HEAD', "$m Allow: $allow");
    }
    is(get_url('hp/a.txt', 'HEAD')->code, 200, 'HEAD is 200');
    is(get_url('nowhere/a.txt', 'POST')->code, 405, 'also on an unknown base path');
};

subtest 'unknown base path is 404' => sub {
    is(get_url('nowhere/a.txt')->code, 404, 'unknown');
    is(get_url('nowhere')->code, 404, 'unknown, no slash');
    is(get_url('')->code, 404, 'the prefix itself');
    is(get_url('h/a.txt')->code, 404, 'a string prefix of a base path');
    is(get_url('hpx/a.txt')->code, 404, 'a base path followed by more characters');
};

subtest 'base paths match by whole segments, the longest first' => sub {
    for my $bp (qw(foo foobar lm lm/deep), 'sp ace', 'q"uo\\te') {
        my $rr = fx_repository("bp-$bp");
        my $vv = fx_version($rr, { 'which' => "$bp\n", 'deep/which' => "$bp deep\n" });
        fx_distribution($bp, publication => fx_publication($rr, $vv, created => '2025-01-30 20:30:00'));
    }
    is(get_url('foo/which')->content, "foo\n", 'foo');
    is(get_url('foobar/which')->content, "foobar\n", 'foobar is not foo');
    is(get_url('foob/which')->code, 404, 'foob is nothing');
    is(get_url('lm/deep/which')->content, "lm/deep\n", 'the longer of lm and lm/deep wins');
    is(get_url('lm/which')->content, "lm\n", 'lm');
    is(get_url('sp%20ace/which')->content, "sp ace\n", 'a base path with a space');
    is(get_url('q%22uo%5Cte/which')->content, "q\"uo\\te\n", 'a base path with a quote and a backslash');
    my $res = get_url('sp%20ace');
    is($res->header('Location'), content_url('sp%20ace/'), 'the redirect is escaped');
};

subtest 'database down: 503 with Retry-After, then back by itself' => sub {
    is(get_url('hp/a.txt')->code, 200, 'up');
    pg_stop();
    cache_settle(); # answers already cached stay good for up to the refresh interval
    my @codes;
    for my $p ('hp/a.txt', 'hp/', 'hp', 'nowhere/x') {
        my $res = get_url($p);
        push @codes, $res->code;
        like($res->header('Retry-After') // '', qr/^\d+$/, "$p has Retry-After");
    }
    is_deeply(\@codes, [ 503, 503, 503, 503 ], 'every content request is 503');
    pg_start();
    my $code = 0;
    for (1 .. 50) {
        $code = get_url('hp/a.txt')->code;
        last if $code == 200;
        sleep 0.2;
    }
    is($code, 200, 'served again once PostgreSQL is back');
};

done_testing();
