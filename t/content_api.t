use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Test::More;
use URI::Escape qw(uri_escape);
use POSIX qw(strftime);
use lib 't/lib';
use CkptTest;
use CkptFixture qw(get_url content_url);

# End to end through the management API: upload, version, publish as
# checkpoints, distribute, then read the checkpoints back as a client
# pinned to a date would.  Skipped while the API is not built in.
my $probe = api('GET', API . 'repositories/file/file/');
plan skip_all => 'the management API is not available' unless $probe->code == 200;

sub created_ok {
    my ($res, $what) = @_;
    is($res->code, 201, "$what is created") or diag $res->as_string;
    return json_of($res) // {};
}

sub ts_of {
    my ($rfc3339) = @_;
    my ($y, $mo, $d, $h, $mi, $s) = $rfc3339 =~ /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)/ or die $rfc3339;
    return "$y$mo${d}T$h$mi${s}Z";
}

sub upload_to {
    my ($repo, $path, $bytes) = @_;
    my $q = 'relative_path=' . uri_escape($path) . '&repository=' . uri_escape($repo->{pulp_href});
    my $res = api_raw('POST', API . "content/file/files/?$q", $bytes, 'application/octet-stream');
    ok($res->code == 201 || $res->code == 200, "upload $path") or diag $res->as_string;
}

my $repo = created_ok(api('POST', API . 'repositories/file/file/', { name => unique('content-api') }),
    'repository');
upload_to($repo, 'dists/stable/Release', "release one\n");
upload_to($repo, 'pool/main/p/pkg.deb', "deb\n");
my $p1 = created_ok(api('POST', API . 'publications/file/file/',
    { repository => $repo->{pulp_href}, checkpoint => JSON::PP::true() }), 'first checkpoint');
my $bp = unique('api-cp');
created_ok(api('POST', API . 'distributions/file/file/',
    { name => $bp, base_path => $bp, repository => $repo->{pulp_href}, checkpoint => JSON::PP::true() }),
    'checkpoint distribution');
my $plain = unique('api-plain');
created_ok(api('POST', API . 'distributions/file/file/',
    { name => $plain, base_path => $plain, repository => $repo->{pulp_href} }), 'plain distribution');

upload_to($repo, 'dists/stable/Release', "release two\n");
my $p2 = created_ok(api('POST', API . 'publications/file/file/',
    { repository => $repo->{pulp_href}, checkpoint => JSON::PP::true() }), 'second checkpoint');
my ($ts1, $ts2) = (ts_of($p1->{pulp_created}), ts_of($p2->{pulp_created}));

subtest 'the index lists both checkpoints' => sub {
    isnt($ts1, $ts2, 'two checkpoints never share a second');
    my @ts = get_url("$bp/")->content =~ m{<a href="(\d{8}T\d{6}Z)/">}g;
    is_deeply(\@ts, [ $ts1, $ts2 ], 'oldest first');
};

subtest 'each checkpoint serves its own bytes' => sub {
    is(get_url("$bp/$ts1/dists/stable/Release")->content, "release one\n", 'the first');
    is(get_url("$bp/$ts2/dists/stable/Release")->content, "release two\n", 'the second');
    is(get_url("$bp/$ts1/pool/main/p/pkg.deb")->content, "deb\n", 'a file both share');
    like(get_url("$bp/$ts1/PULP_MANIFEST")->content, qr{^dists/stable/Release,[0-9a-f]{64},12$}m, 'the manifest');
};

subtest 'directories of what the API published: listings and redirects' => sub {
    my @names = get_url("$bp/$ts2/")->content =~ m{<a href="([^"]+)">}g;
    is_deeply(\@names, [ '../', 'dists/', 'pool/', 'PULP_MANIFEST' ], 'the top level');
    @names = get_url("$bp/$ts2/dists/stable/")->content =~ m{<a href="([^"]+)">}g;
    is_deeply(\@names, [ '../', 'Release' ], 'a directory of files');
    @names = get_url("$bp/$ts2/pool/main/")->content =~ m{<a href="([^"]+)">}g;
    is_deeply(\@names, [ '../', 'p/' ], 'a directory of directories');
    my $res = get_url("$bp/$ts2/pool/main");
    is($res->code, 301, 'a directory without its slash is 301');
    is($res->header('Location'), content_url("$bp/$ts2/pool/main/"), 'to it');
    is(get_url("$bp/$ts2/pool/mai/")->code, 404, 'no such directory');
};

subtest 'a date after the last checkpoint resolves to it' => sub {
    my $now = strftime('%Y%m%dT%H%M%SZ', gmtime(time));
    my $res = get_url("$bp/$now/dists/stable/Release");
    if ($now eq $ts2) {
        is($res->code, 200, 'the same second');
    }
    else {
        is($res->code, 301, '301');
        is($res->header('Location'), content_url("$bp/$ts2/dists/stable/Release"), 'to the second checkpoint');
    }
};

subtest 'a plain repository distribution serves the newest publication' => sub {
    is(get_url("$plain/dists/stable/Release")->content, "release two\n", 'the newest');
};

done_testing();
