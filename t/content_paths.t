use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Test::More;
use Digest::SHA qw(sha256_hex);
use lib 't/lib';
use CkptFixture;

# SPEC §2, "Paths inside a publication", and what Apache's core handler
# brings to a published file (Range, HEAD, ETag, conditional requests,
# Content-Type).
my %files = (
    'README.txt'                   => "read me\n",
    'data.json'                    => qq({"a": 1}\n),
    'pool/main/p/pkg_1.0.tar.gz'   => join('', map { chr($_ % 256) } 0 .. 999),
    'pool/main/index.html'         => "<html>pool index</html>\n",
    'dists/stable/Release'         => "Release\n",
    'dists/stable/main/Packages'   => "Packages\n",
    'bin/run.cgi'                  => "#!/bin/sh\necho Content-Type: text/plain\necho\necho EXECUTED\n",
);
my $r = fx_repository('paths');
my $v = fx_version($r, \%files);
my $pub = fx_publication($r, $v, created => '2025-01-30 20:30:00.000000');
fx_distribution('paths', publication => $pub);

# A publication with an index.html at its root.
my $r2 = fx_repository('paths-rootindex');
my $v2 = fx_version($r2, { 'index.html' => "<p>root</p>\n", 'sub/x' => "x\n" });
fx_distribution('paths-rootindex', publication => fx_publication($r2, $v2, created => '2025-01-30 20:30:00'));

subtest 'a published file is 200 with its bytes' => sub {
    for my $path (sort keys %files) {
        next if $path =~ /index\.html$/;
        my $res = get_url("paths/$path");
        is($res->code, 200, "$path 200");
        is($res->content, $files{$path}, "$path bytes");
        is($res->header('Content-Length'), length($files{$path}), "$path Content-Length");
    }
    my $res = get_url('paths/README.txt');
    is($res->header('ETag'), '"' . sha256_hex($files{'README.txt'}) . '"', 'ETag is the quoted sha256');
    like($res->header('Cache-Control') // '', qr/^public, max-age=\d+$/, 'a plain distribution: short max-age');
    ok($res->header('Last-Modified'), 'Last-Modified');
    like($res->header('Accept-Ranges') // '', qr/bytes/, 'Accept-Ranges');
};

subtest 'Content-Type comes from the relative path, through mod_mime' => sub {
    like(get_url('paths/README.txt')->header('Content-Type'), qr{^text/plain}, '.txt');
    like(get_url('paths/data.json')->header('Content-Type'), qr{^application/json}, '.json');
    like(get_url('paths/pool/main/p/pkg_1.0.tar.gz')->header('Content-Type'),
        qr{^application/(x-)?gzip}, '.gz');
    # The test server maps .gz to an encoding, as many sites do; the content
    # <Location> removes it, so no client unpacks the bytes it checksums.
    is(get_url('paths/pool/main/p/pkg_1.0.tar.gz')->header('Content-Encoding'), undef,
        'no Content-Encoding for a published .gz');
};

subtest 'published bytes are sent, never run (AddHandler for .cgi is set)' => sub {
    my $res = get_url('paths/bin/run.cgi');
    is($res->code, 200, 'run.cgi is 200');
    is($res->content, $files{'bin/run.cgi'}, 'its bytes, not its output');
};

subtest 'HEAD' => sub {
    my $res = get_url('paths/README.txt', 'HEAD');
    is($res->code, 200, '200');
    is($res->content, '', 'no body');
    is($res->header('Content-Length'), length($files{'README.txt'}), 'Content-Length');
};

subtest 'Range' => sub {
    my $res = get_url('paths/pool/main/p/pkg_1.0.tar.gz', 'GET', Range => 'bytes=10-19');
    is($res->code, 206, '206');
    is($res->content, substr($files{'pool/main/p/pkg_1.0.tar.gz'}, 10, 10), 'those bytes');
    is($res->header('Content-Range'), 'bytes 10-19/1000', 'Content-Range');
    $res = get_url('paths/pool/main/p/pkg_1.0.tar.gz', 'GET', Range => 'bytes=-5');
    is($res->content, substr($files{'pool/main/p/pkg_1.0.tar.gz'}, -5), 'a suffix range');
    $res = get_url('paths/README.txt', 'GET', Range => 'bytes=100-200');
    is($res->code, 416, 'unsatisfiable range is 416');
};

subtest 'conditional requests' => sub {
    my $res = get_url('paths/README.txt');
    my ($etag, $lm) = ($res->header('ETag'), $res->header('Last-Modified'));
    $res = get_url('paths/README.txt', 'GET', 'If-None-Match' => $etag);
    is($res->code, 304, 'If-None-Match with the ETag is 304');
    is($res->header('ETag'), $etag, '304 keeps the ETag');
    is(get_url('paths/README.txt', 'GET', 'If-None-Match' => '"nope"')->code, 200, 'another ETag is 200');
    is(get_url('paths/README.txt', 'GET', 'If-Modified-Since' => $lm)->code, 304, 'If-Modified-Since is 304');
    is(get_url('paths/README.txt', 'GET', 'If-Range' => $etag, Range => 'bytes=0-3')->code, 206,
        'If-Range with the ETag honours the range');
};

subtest 'the manifest is served' => sub {
    my $res = get_url('paths/PULP_MANIFEST');
    is($res->code, 200, '200');
    is($res->content, fx_manifest_of($r, $v), 'relative_path,sha256,size per file');
};

subtest 'a directory with index.html serves it' => sub {
    my $res = get_url('paths/pool/main/');
    is($res->code, 200, '200');
    is($res->content, $files{'pool/main/index.html'}, 'the index.html bytes');
    like($res->header('Content-Type'), qr{^text/html}, 'as HTML');
    is(get_url('paths-rootindex/')->content, "<p>root</p>\n", 'also at the publication root');
};

subtest 'a directory without index.html is a listing of its direct children' => sub {
    my $res = get_url('paths/dists/stable/');
    is($res->code, 200, '200');
    like($res->header('Content-Type'), qr{^text/html; charset=utf-8}, 'HTML, UTF-8');
    my @names = $res->content =~ m{<a href="([^"]+)">}g;
    is_deeply(\@names, [ '../', 'main/', 'Release' ], 'subdirectories first, then files');
    @names = get_url('paths/')->content =~ m{<a href="([^"]+)">}g;
    is_deeply(\@names, [ '../', 'bin/', 'dists/', 'pool/', 'PULP_MANIFEST', 'README.txt', 'data.json' ],
        'the root lists the top level and the manifest');
    is(get_url('paths/dists/stable/', 'HEAD')->content, '', 'HEAD has no body');
};

subtest 'a directory without its slash is 301 to it' => sub {
    for my $d (qw(dists dists/stable pool/main)) {
        my $res = get_url("paths/$d?x=1");
        is($res->code, 301, "$d 301");
        is($res->header('Location'), content_url("paths/$d/?x=1"), "$d Location");
    }
};

subtest 'subrequests (server-side includes) see the same answers' => sub {
    my $res = ua()->get('http://' . Apache::TestRequest::hostport() . '/ssi/include.shtml');
    is($res->code, 200, 'the including page is 200');
    my $listing = get_url('paths/dists/stable/')->content;
    is($res->content, "[$files{'README.txt'}][$files{'README.txt'}][$listing]\n",
        'a file twice (the second from the per-request cache) and a listing');
};

subtest 'a manifest named into a directory of its own (manifest: "meta/x/MANIFEST")' => sub {
    my $r3 = fx_repository('paths-meta');
    my $v3 = fx_version($r3, { 'a.txt' => "a\n", 'deep/b.txt' => "b\n" });
    fx_distribution('paths-meta', publication => fx_publication($r3, $v3, created => '2025-01-30 20:30:00',
        manifest => 'meta/x/MANIFEST'));
    my $res = get_url('paths-meta/meta/x/MANIFEST');
    is($res->code, 200, 'the manifest is served at its path');
    is($res->content, fx_manifest_of($r3, $v3), 'its bytes');
    is(get_url('paths-meta/PULP_MANIFEST')->code, 404, 'and not as PULP_MANIFEST');
    is_deeply([ get_url('paths-meta/')->content =~ m{<a href="([^"]+)">}g ], [ '../', 'deep/', 'meta/', 'a.txt' ],
        'the root lists the directory that holds it');
    is_deeply([ get_url('paths-meta/meta/')->content =~ m{<a href="([^"]+)">}g ], [ '../', 'x/' ], 'meta/');
    is_deeply([ get_url('paths-meta/meta/x/')->content =~ m{<a href="([^"]+)">}g ], [ '../', 'MANIFEST' ],
        'meta/x/');
    for my $d ('meta', 'meta/x') {
        $res = get_url("paths-meta/$d");
        is($res->code, 301, "$d without its slash: 301");
        is($res->header('Location'), content_url("paths-meta/$d/"), "$d: to the slash");
    }
    is(get_url('paths-meta/met')->code, 404, 'a string prefix of its directory is nothing');
    is(get_url('paths-meta/meta/x/MANIFEST/')->code, 404, 'the manifest is no directory');
};

subtest 'anything else is 404' => sub {
    for my $p (qw(nothing dists/nothing dists/nothing/ README.txt/ dists/stable/Release/ dist
                  dists/stabl pool/main/p/pkg_1.0.tar pool/main/index.htm PULP_MANIFEST/)) {
        is(get_url("paths/$p")->code, 404, "$p");
    }
};

done_testing();
