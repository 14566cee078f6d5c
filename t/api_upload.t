use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use IO::Socket::INET;
use Time::HiRes qw(sleep);
use lib 't/lib';
use CkptTest;

# Uploads: streamed to storage while hashing; the same bytes and path
# answer the same unit; a digest mismatch, an over-limit body or a client
# that goes away leave nothing behind.
my $C = API . 'content/file/files/';
my $tag = unique('up');

my $bytes = "hello $tag\n";
my $sha = sha256_hex($bytes);
my $res = upload($bytes, relative_path => "$tag/hello.txt");
is($res->code, 201, 'upload is 201') or diag $res->content;
my $unit = json_of($res);
like($unit->{pulp_href}, qr{^/pulp/api/v3/content/file/files/[0-9a-f-]{36}/$}, 'pulp_href');
is($unit->{relative_path}, "$tag/hello.txt", 'relative_path');
is($unit->{sha256}, $sha, 'sha256 of the bytes');
is($unit->{size}, length $bytes, 'size');
like($unit->{pulp_created}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'pulp_created');
my $file = "$ENV{CKPT_STORAGE}/artifact/" . substr($sha, 0, 2) . '/' . substr($sha, 2);
ok(-f $file, 'artifact stored under its digest');
{
    open my $fh, '<', $file or die; local $/; is(<$fh>, $bytes, 'with the bytes');
}

$res = upload($bytes, relative_path => "$tag/hello.txt");
ok($res->code == 200 || $res->code == 201, 'same bytes and path again: 200') or diag $res->content;
is(json_of($res)->{pulp_href}, $unit->{pulp_href}, 'answers the existing unit');

$res = upload($bytes, relative_path => "$tag/other.txt", sha256 => $sha);
is($res->code, 201, 'same bytes, another path, matching sha256: 201');
isnt(json_of($res)->{pulp_href}, $unit->{pulp_href}, 'a new unit');
is(scalar(grep { /\Q$sha\E$/ || m{/\Q@{[substr($sha,2)]}\E$} } storage_files()), 1, 'one artifact file');

$res = upload($bytes, relative_path => "$tag/upper.txt", sha256 => uc $sha);
is($res->code, 201, 'an upper-case sha256 is the same digest');

$res = api('GET', $unit->{pulp_href});
is($res->code, 200, 'GET content');
is_deeply(json_of($res), $unit, 'same fields');
$res = api('GET', "$C?relative_path=$tag/hello.txt");
is(json_of($res)->{count}, 1, 'filter relative_path');
$res = api('GET', "$C?sha256=$sha");
is(json_of($res)->{count}, 3, 'filter sha256');
is(api('GET', "$C?sha256=nothex")->code, 400, 'malformed sha256 filter is 400');
is(api('DELETE', $unit->{pulp_href})->code, 405, 'content cannot be deleted: 405');
is(api('GET', "${C}00000000-0000-0000-0000-000000000000/")->code, 404, 'unknown content 404');

$res = upload('', relative_path => "$tag/empty");
is($res->code, 201, 'an empty file');
is(json_of($res)->{size}, 0, 'size 0');
is(json_of($res)->{sha256}, sha256_hex(''), 'the digest of nothing');

# digest mismatch: 400, no file, no row
my $bad = "mismatch $tag\n";
$res = upload($bad, relative_path => "$tag/bad.txt", sha256 => sha256_hex('something else'));
is($res->code, 400, 'sha256 mismatch is 400');
ok(json_of($res)->{sha256}, 'names sha256');
is_deeply([ tmp_files() ], [], 'nothing left in storage/tmp');
my $badsha = sha256_hex($bad);
ok(!-e "$ENV{CKPT_STORAGE}/artifact/" . substr($badsha, 0, 2) . '/' . substr($badsha, 2), 'no artifact file');
is(psql("SELECT count(*) FROM content WHERE relative_path = '$tag/bad.txt'"), 0, 'no content row');
is(psql("SELECT count(*) FROM artifact WHERE sha256 = '$badsha'"), 0, 'no artifact row');

# request checks
is(api_raw('POST', "$C?relative_path=$tag/x", 'x', 'text/plain')->code, 415, 'wrong Content-Type is 415');
# JSON names an upload (uploads/, t/api_upload_chunked.t), with its fields in the body.
$res = api_raw('POST', "$C?relative_path=$tag/x", '{}', 'application/json');
is($res->code, 400, 'a JSON body with fields in the query is 400');
ok(json_of($res)->{relative_path}, 'naming the field');
is(api_raw('POST', "$C?relative_path=$tag/x", 'x')->code, 415, 'no Content-Type is 415');
$res = upload('x');
is($res->code, 400, 'relative_path required');
ok(json_of($res)->{relative_path}, 'names relative_path');
for my $p ('/abs', 'a/../b', '..', 'a//b', 'a/', './a', "a\\b") {
    $res = upload('x', relative_path => $p);
    is($res->code, 400, "relative_path '$p' is 400");
}
is(upload('x', relative_path => "$tag/x", sha256 => 'abc')->code, 400, 'malformed sha256 is 400');

# Issue 9, defect 4: a relative_path that is not UTF-8 was answered
# {"detail":"upload"} and its bytes stayed in storage with no row.
for my $enc ('%ff', '%c0%af', "a%ed%a0%80") {
    my $b = "not utf-8 $enc $tag\n";
    my $q = API . "content/file/files/?relative_path=$tag/$enc";
    $res = api_raw('POST', $q, $b, 'application/octet-stream');
    is($res->code, 400, "relative_path $enc is 400");
    is_deeply([ keys %{ json_of($res) // {} } ], ['relative_path'], 'naming relative_path')
        or diag $res->content;
    my $s = sha256_hex($b);
    ok(!-e "$ENV{CKPT_STORAGE}/artifact/" . substr($s, 0, 2) . '/' . substr($s, 2), 'its bytes are not kept');
}
is_deeply([ tmp_files() ], [], 'nor any temporary file');
is(upload('x', relative_path => "$tag/x", bogus => 1)->code, 400, 'unknown parameter is 400');
is(upload('x', relative_path => "$tag/x", repository => API . 'repositories/file/file/00000000-0000-0000-0000-000000000000/')->code,
   400, 'unknown repository is 400');
is(upload('x', relative_path => "$tag/x", repository => $unit->{pulp_href})->code, 400, 'not a repository href is 400');

# upload into a repository: a new version with the unit
my $repo = new_repo();
$res = upload("in repo $tag\n", relative_path => "$tag/r.txt", repository => $repo->{pulp_href});
is($res->code, 201, 'upload with repository') or diag $res->content;
is(json_of($res)->{repository_version}, "$repo->{pulp_href}versions/1/", 'answers the new version');
$res = api('GET', $repo->{pulp_href});
is(json_of($res)->{latest_version_href}, "$repo->{pulp_href}versions/1/", 'repository moved to version 1');
$res = api('GET', "$C?repository_version=$repo->{pulp_href}versions/1/");
is(json_of($res)->{count}, 1, 'version 1 holds the unit');

# concurrent identical uploads: all succeed with one unit and one file
my $cbytes = "concurrent $tag\n" x 1000;
my $csha = sha256_hex($cbytes);
my @kids;
for my $i (1 .. 4) {
    pipe(my $r, my $w) or die;
    my $pid = fork // die;
    if (!$pid) {
        close $r;
        my $ua = LWP::UserAgent->new(timeout => 60);
        my $x = upload($cbytes, relative_path => "$tag/same.txt");
        print $w $x->code, ' ', (json_of($x) // {})->{pulp_href} // '', "\n";
        close $w;
        require POSIX; POSIX::_exit(0);
    }
    close $w;
    push @kids, [$pid, $r];
}
my (%codes, %hrefs);
for (@kids) {
    my ($pid, $r) = @$_;
    my $line = <$r> // '';
    waitpid $pid, 0;
    my ($code, $href) = split ' ', $line;
    $codes{$code // 'none'}++;
    $hrefs{$href // ''}++;
}
is_deeply([ sort grep { $_ != 200 && $_ != 201 } keys %codes ], [], 'concurrent identical uploads all succeed')
    or diag explain \%codes;
is(scalar keys %hrefs, 1, 'and answer one unit');
is(psql("SELECT count(*) FROM content WHERE relative_path = '$tag/same.txt'"), 1, 'one content row');
is(scalar(grep { m{/\Q@{[substr($csha,2)]}\E$} } storage_files()), 1, 'one artifact file');
is_deeply([ tmp_files() ], [], 'no temporary file left');

# over the limit announced up front: 413 before the body
my $pw = $ENV{CKPT_ADMIN_PASSWORD};
require MIME::Base64;
my $auth = MIME::Base64::encode_base64("admin:$pw", '');
my ($host, $port) = split /:/, hostport();
{
    my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port) or die "connect: $!";
    print $s "POST ${C}?relative_path=$tag/huge HTTP/1.1\r\nHost: $host\r\nAuthorization: Basic $auth\r\n"
        . "Content-Type: application/octet-stream\r\nContent-Length: 3000000000\r\n\r\n";
    my $status = <$s> // '';
    like($status, qr{^HTTP/1\.1 413}, 'Content-Length over CheckpointUploadLimit is 413');
    close $s;
}

# a client that goes away midway: nothing kept
{
    my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port) or die "connect: $!";
    print $s "POST ${C}?relative_path=$tag/cut HTTP/1.1\r\nHost: $host\r\nAuthorization: Basic $auth\r\n"
        . "Content-Type: application/octet-stream\r\nContent-Length: 10000000\r\n\r\n";
    my $chunk = 'z' x 65536;
    print $s $chunk for 1 .. 16;
    sleep 0.3;
    close $s;
}
my @left;
for (1 .. 50) {
    @left = tmp_files();
    last unless @left;
    sleep 0.1;
}
is_deeply(\@left, [], 'a disconnected upload leaves no temporary file');
is(psql("SELECT count(*) FROM content WHERE relative_path = '$tag/cut'"), 0, 'and no row');

done_testing();
