use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Test::More;
use Digest::SHA qw(sha256_hex);
use IO::Socket::INET;
use lib 't/lib';
use CkptTest qw(cache_settle);
use CkptFixture;

# SPEC §2 once more, below a checkpoint: "Paths inside a publication" row by
# row under an exact TS, what the core handler brings to a checkpoint's
# files, redirects that keep odd names and the query, hostile input aimed at
# a checkpoint distribution, and a checkpoint that retention cleared.
my %v1 = (
    'README.txt'               => "one\n",
    'data.json'                => qq({"v": 1}\n),
    'pool/index.html'          => "<p>pool</p>\n",
    'dists/stable/Release'     => "rel1\n",
    'dists/stable/main/Packages' => "pk1\n",
    'odd/a b#c%d?e.txt'        => "odd\n",
    'big.bin'                  => join('', map { chr($_ % 251) } 0 .. 4095),
);
my %v2 = (%v1, 'README.txt' => "two\n");
my $r = fx_repository('cpp');
my $n1 = fx_version($r, \%v1);
my $n2 = fx_version($r, \%v2);
fx_publication($r, $n1, checkpoint => 1, created => '2025-03-01 10:00:00.400000');
fx_publication($r, $n2, checkpoint => 1, created => '2025-03-01 10:00:02.100000');
fx_distribution('cpp', repository => $r, checkpoint => 1);

my $T1 = '20250301T100000Z';
my $T2 = '20250301T100002Z';
my $IMM = 'public, max-age=31536000, immutable';

subtest 'a published file under an exact checkpoint: 200, bytes, immutable' => sub {
    for my $path (sort keys %v1) {
        next if $path =~ /index\.html$/;
        (my $url = $path) =~ s/([ #%?])/sprintf('%%%02X', ord $1)/ge;
        my $res = get_url("cpp/$T1/$url");
        is($res->code, 200, "$path 200");
        is($res->content, $v1{$path}, "$path bytes");
        is($res->header('Cache-Control'), $IMM, "$path immutable");
        is($res->header('ETag'), '"' . sha256_hex($v1{$path}) . '"', "$path ETag is its sha256");
    }
    is(get_url("cpp/$T2/README.txt")->content, "two\n", 'the later checkpoint has its own bytes');
    my $res = get_url("cpp/$T1/PULP_MANIFEST");
    is($res->code, 200, 'PULP_MANIFEST 200');
    is($res->content, fx_manifest_of($r, $n1), 'the manifest of that checkpoint');
    is($res->header('Cache-Control'), $IMM, 'PULP_MANIFEST immutable');
};

subtest "a checkpoint's files: Content-Type, HEAD, Range, conditional requests" => sub {
    like(get_url("cpp/$T1/README.txt")->header('Content-Type'), qr{^text/plain}, '.txt is text/plain');
    like(get_url("cpp/$T1/data.json")->header('Content-Type'), qr{^application/json}, '.json');
    my $res = get_url("cpp/$T1/big.bin", 'HEAD');
    is($res->code, 200, 'HEAD 200');
    is($res->content, '', 'HEAD has no body');
    is($res->header('Content-Length'), 4096, 'HEAD Content-Length');
    $res = get_url("cpp/$T1/big.bin", 'GET', Range => 'bytes=100-199');
    is($res->code, 206, 'Range is 206');
    is($res->content, substr($v1{'big.bin'}, 100, 100), 'those bytes');
    is($res->header('Cache-Control'), $IMM, 'a 206 is immutable too');
    my $etag = get_url("cpp/$T1/big.bin")->header('ETag');
    $res = get_url("cpp/$T1/big.bin", 'GET', 'If-None-Match' => $etag);
    is($res->code, 304, 'If-None-Match is 304');
    is($res->header('ETag'), $etag, '304 keeps the ETag');
    is($res->header('Cache-Control'), $IMM, '304 keeps Cache-Control');
};

subtest 'a directory under a checkpoint: index.html, listing, 301, 404' => sub {
    my $res = get_url("cpp/$T1/pool/");
    is($res->code, 200, 'a directory with index.html: 200');
    is($res->content, $v1{'pool/index.html'}, 'its index.html');
    like($res->header('Content-Type'), qr{^text/html}, 'as HTML');
    $res = get_url("cpp/$T1/dists/stable/");
    is($res->code, 200, 'a directory without index.html: 200');
    is_deeply([ $res->content =~ m{<a href="([^"]+)">}g ], [ '../', 'main/', 'Release' ], 'its listing');
    like($res->content, qr{<title>Index of /pulp/content/cpp/$T1/dists/stable/</title>}, 'titled by the request path');
    like($res->header('Cache-Control') // '', qr/^public, max-age=\d{1,3}$/, 'a listing under an exact checkpoint: short max-age');
    $res = get_url("cpp/$T1/dists/stable?q=1");
    is($res->code, 301, 'a directory without its slash: 301');
    is($res->header('Location'), content_url("cpp/$T1/dists/stable/?q=1"), 'to the slash, query kept');
    like($res->header('Cache-Control') // '', qr/^public, max-age=\d{1,3}$/, 'short max-age');
    for my $p (qw(nothing dists/nothing dists/stable/Release/ README.txt/ dist pool/index.htm)) {
        is(get_url("cpp/$T1/$p")->code, 404, "$p 404");
    }
};

subtest 'an in-between TS: odd names and the query stay intact in Location' => sub {
    my $res = get_url('cpp/20250301T100001Z/odd/a%20b%23c%25d%3Fe.txt?x=%2F&y=1');
    is($res->code, 301, '301');
    # The path's escapes in either case of hex; the query exactly as sent.
    my ($path, $query) = split /\?/, $res->header('Location') // '', 2;
    $path =~ s/(%[0-9a-fA-F]{2})/uc $1/ge;
    is($path, content_url("cpp/$T1/odd/a%20b%23c%25d%3Fe.txt"), 'Location: the path, escaped');
    is($query, 'x=%2F&y=1', 'Location: the query as sent');
    is(get_url(substr($res->header('Location'), length(content_url(''))))->content, "odd\n",
        'and it leads to the file');
    $res = get_url('cpp/20250301T100001Z?x=1');
    is($res->code, 301, 'TS alone: 301');
    is($res->header('Location'), content_url("cpp/$T1/?x=1"), 'to TS2/, query kept');
    $res = get_url('cpp?x=1');
    is($res->header('Location'), content_url('cpp/?x=1'), 'the base path keeps the query too');
    $res = get_url('cpp/20250301T100001Z/nothing-here');
    is($res->code, 301, 'the redirect does not look at the path');
    is(get_url("cpp/$T1/nothing-here")->code, 404, 'the checkpoint answers 404 for it');
};

subtest 'only GET and HEAD, also under a checkpoint' => sub {
    for my $m (qw(POST PUT DELETE)) {
        is(get_url("cpp/$T1/README.txt", $m)->code, 405, "$m on a file");
        is(get_url('cpp/20250301T100001Z/README.txt', $m)->code, 405, "$m on a redirect");
        is(get_url('cpp/', $m)->code, 405, "$m on the index");
    }
};

sub raw {
    my ($target) = @_;
    my ($host, $port) = split /:/, Apache::TestRequest::hostport();
    my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Timeout => 10) or die "connect: $!";
    print $s "GET $target HTTP/1.1\r\nHost: $host\r\nConnection: close\r\n\r\n";
    local $/;
    my $resp = <$s> // '';
    my ($code) = $resp =~ m{^HTTP/1\.\d (\d{3})};
    return ($code // 0, $resp);
}

subtest 'hostile TS segments and paths below a checkpoint' => sub {
    for my $t ("/pulp/content/cpp/$T1/../../../../etc/passwd", "/pulp/content/cpp/$T1/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
               "/pulp/content/cpp/$T1/.%2e/.%2e/.%2e/etc/passwd", "/pulp/content/cpp/$T1%2f..%2f..%2fetc/passwd",
               "/pulp/content/cpp/$T1/dists%2f..%2f..%2fetc/passwd", "/pulp/content/cpp/$T1%00/README.txt",
               "/pulp/content/cpp/$T1/README.txt%00", "/pulp/content/cpp/20250301T10000%00Z/README.txt",
               '/pulp/content/cpp/%2e%2e/%2e%2e/etc/passwd', "/pulp/content/cpp/$T1/%0a") {
        my ($code, $resp) = raw($t);
        ok($code == 400 || $code == 404, "$t is $code") or diag $resp;
        unlike($resp, qr/root:/, "$t shows no system file");
    }
    for my $ts ('2' x 17, '2' x 5000, "${T1}Z", "${T1}%20", "%20$T1", substr($T1, 0, 15), "\x{ef}\x{bc}\x{92}0250301T100000Z") {
        (my $enc = $ts) =~ s/([^A-Za-z0-9%])/sprintf('%%%02X', ord $1)/ge;
        my ($code) = raw("/pulp/content/cpp/$enc/README.txt");
        ok($code == 404 || $code == 414, 'TS ' . (length($ts) > 40 ? length($ts) . ' bytes long' : $enc) . ": $code");
    }
    my ($code) = raw("/pulp/content/cpp/$T1/" . ('x' x 5000));
    ok($code == 404 || $code == 414, "an overlong path below a checkpoint: $code");
    ($code) = raw("/pulp/content/cpp/$T1/" . join('/', ('d') x 2000));
    is($code, 404, '2000 segments below a checkpoint: 404');
};

subtest 'a checkpoint that retention cleared no longer counts' => sub {
    my $r2 = fx_repository('cpp-ret');
    my $m1 = fx_version($r2, { 'f' => "1\n" });
    my $m2 = fx_version($r2, { 'f' => "2\n" });
    my $m3 = fx_version($r2, { 'f' => "3\n" });
    my $p1 = fx_publication($r2, $m1, checkpoint => 1, created => '2025-04-01 00:00:00.5');
    my $p2 = fx_publication($r2, $m2, checkpoint => 1, created => '2025-04-01 00:00:01.5');
    fx_publication($r2, $m3, checkpoint => 1, created => '2025-04-01 00:00:02.5');
    fx_distribution('cpp-ret', repository => $r2, checkpoint => 1);
    is(get_url('cpp-ret/20250401T000001Z/f')->content, "2\n", 'served while it is a checkpoint');
    is(get_url('cpp-ret/20250401T000000Z/f')->code, 200, 'so is the first');
    sql("UPDATE publication SET checkpoint = false WHERE id IN ('$p1', '$p2')");
    cache_settle();
    my $res = get_url('cpp-ret/20250401T000001Z/f');
    is($res->code, 404, 'its TS is now before the first checkpoint: 404');
    is(get_url('cpp-ret/20250401T000000Z/f')->code, 404, 'the first, too');
    $res = get_url('cpp-ret/20250401T000003Z/f');
    is($res->header('Location'), content_url('cpp-ret/20250401T000002Z/f'), 'later TSs go to the one left');
    is_deeply([ get_url('cpp-ret/')->content =~ m{<a href="(\d{8}T\d{6}Z)/">}g ], ['20250401T000002Z'],
        'the index lists only the one left');
};

done_testing();
