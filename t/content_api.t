use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Test::More;
use URI::Escape qw(uri_escape);
use POSIX qw(strftime);
use Time::Local qw(timegm);
use lib 't/lib';
use CkptTest;
use CkptFixture qw(get_url content_url);

# End to end through the management API: upload, version, publish as
# checkpoints, distribute, then read the checkpoints back as a client
# pinned to a date would.
my $probe = api('GET', API . 'repositories/file/file/');
# The API is part of the module: if it does not answer, this test fails.
is($probe->code, 200, 'the management API answers')
    or die 'the management API does not answer: ' . $probe->status_line;

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
# A gap of a whole second, so that a TS between two checkpoints exists ...
sleep 2;
my $p2 = created_ok(api('POST', API . 'publications/file/file/',
    { repository => $repo->{pulp_href}, checkpoint => JSON::PP::true() }), 'second checkpoint');
# ... then one right after, as a user or a CI job does: the server makes it
# wait for the next second.
upload_to($repo, 'dists/stable/Release', "release three\n");
my $p3 = created_ok(api('POST', API . 'publications/file/file/',
    { repository => $repo->{pulp_href}, checkpoint => JSON::PP::true() }), 'third checkpoint');
# A plain publication after them: a checkpoint distribution never serves it.
upload_to($repo, 'dists/stable/Release', "release plain\n");
created_ok(api('POST', API . 'publications/file/file/', { repository => $repo->{pulp_href} }),
    'a plain publication');
my ($ts1, $ts2, $ts3) = map { ts_of($_->{pulp_created}) } $p1, $p2, $p3;

# A repository with a checkpoint distribution and only a plain publication.
my $none = created_ok(api('POST', API . 'repositories/file/file/', { name => unique('content-api-none') }),
    'repository without checkpoints');
upload_to($none, 'f.txt', "f\n");
my $pn = created_ok(api('POST', API . 'publications/file/file/', { repository => $none->{pulp_href} }),
    'its plain publication');
my $bp_none = unique('api-cp-none');
created_ok(api('POST', API . 'distributions/file/file/',
    { name => $bp_none, base_path => $bp_none, repository => $none->{pulp_href}, checkpoint => JSON::PP::true() }),
    'its checkpoint distribution');

sub ts_add {
    my ($ts, $sec) = @_;
    my ($y, $mo, $d, $h, $mi, $s) = $ts =~ /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/ or die $ts;
    return strftime('%Y%m%dT%H%M%SZ', gmtime(timegm($s, $mi, $h, $d, $mo - 1, $y) + $sec));
}

sub moved_to {
    my ($path, $to, $name) = @_;
    my $res = get_url($path);
    is($res->code, 301, "$name: 301") or diag $res->as_string;
    is($res->header('Location'), content_url($to), "$name: Location");
}

# Until the second after the last checkpoint is in the past.
{
    my ($y, $mo, $d, $h, $mi, $sec) = $ts3 =~ /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/;
    my $after = timegm($sec, $mi, $h, $d, $mo - 1, $y) + 2;
    sleep 1 while time < $after;
}

subtest 'checkpoints are a second apart at least, in order' => sub {
    ok($ts1 lt $ts2 && $ts2 lt $ts3, "$ts1 < $ts2 < $ts3");
    isnt(ts_add($ts1, 1), $ts2, 'a gap second between the first two');
};

subtest '<base_path> is 301 to <base_path>/' => sub {
    moved_to($bp, "$bp/", 'base path');
};

subtest '<base_path>/<TS> is 301 to <TS>/, after resolving TS' => sub {
    moved_to("$bp/$ts2", "$bp/$ts2/", 'an exact TS');
    moved_to("$bp/" . ts_add($ts1, 1), "$bp/$ts1/", 'a TS between two checkpoints');
};

subtest 'TS between checkpoints: 301 to the one at or before it, path and query kept' => sub {
    moved_to("$bp/" . ts_add($ts1, 1) . '/dists/stable/Release?arch=amd64&x=%2F',
        "$bp/$ts1/dists/stable/Release?arch=amd64&x=%2F", 'the gap second');
    moved_to("$bp/" . ts_add($ts3, 1) . '/dists/', "$bp/$ts3/dists/", 'a second after the last');
};

subtest 'TS before the first checkpoint, in the future, malformed: 404' => sub {
    is(get_url("$bp/" . ts_add($ts1, -1) . '/dists/stable/Release')->code, 404, 'a second before the first');
    is(get_url("$bp/" . ts_add($ts3, 3600) . '/dists/stable/Release')->code, 404, 'an hour from now');
    for my $ts ('invalid_ts', lc($ts1), substr($ts1, 0, 15), "${ts1}Z", '20259928T092752Z') {
        is(get_url("$bp/$ts/dists/stable/Release")->code, 404, "$ts");
    }
};

subtest 'a repository with no checkpoint: an empty index, every TS 404' => sub {
    my $res = get_url("$bp_none/");
    is($res->code, 200, 'the index is 200');
    is_deeply([ $res->content =~ m{<a href="([^"]+)">}g ], ['../'], 'and lists nothing');
    is(get_url("$bp_none/" . ts_of($pn->{pulp_created}) . '/f.txt')->code, 404,
        'the second of its plain publication');
    is(get_url("$bp_none/" . strftime('%Y%m%dT%H%M%SZ', gmtime(time)) . '/f.txt')->code, 404, 'now');
};

subtest '<base_path>/ lists the checkpoints, oldest first' => sub {
    my $res = get_url("$bp/");
    is($res->code, 200, '200');
    my @ts = $res->content =~ m{<a href="(\d{8}T\d{6}Z)/">}g;
    is_deeply(\@ts, [ $ts1, $ts2, $ts3 ], 'the three checkpoints, not the plain publication');
};

subtest 'each checkpoint serves its own bytes' => sub {
    is(get_url("$bp/$ts1/dists/stable/Release")->content, "release one\n", 'the first');
    is(get_url("$bp/$ts2/dists/stable/Release")->content, "release two\n", 'the second');
    is(get_url("$bp/$ts3/dists/stable/Release")->content, "release three\n", 'the third');
    is(get_url("$bp/$ts3/dists/stable/Release")->header('Cache-Control'), 'public, max-age=31536000, immutable',
        'immutable');
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
    if ($now eq $ts3) {
        is($res->code, 200, 'the same second');
    }
    else {
        is($res->code, 301, '301');
        is($res->header('Location'), content_url("$bp/$ts3/dists/stable/Release"), 'to the last checkpoint');
    }
};

subtest 'a plain repository distribution serves the newest publication' => sub {
    is(get_url("$plain/dists/stable/Release")->content, "release plain\n", 'the newest, checkpoint or not');
};

done_testing();
