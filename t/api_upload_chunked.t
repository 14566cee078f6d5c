use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use HTTP::Request::Common ();
use lib 't/lib';
use CkptTest;
use CkptFixture qw(fx_file);

# uploads/: Pulp's chunked uploads.  An upload of a size takes chunks in
# any order (multipart/form-data: the part "file", the field "sha256"),
# placed by Content-Range; a chunk sent again replaces the old one; a
# commit or a content create with upload= puts them together, checks the
# digest and uses the upload up; orphan cleanup removes abandoned ones.
my $U = API . 'uploads/';
my $tag = unique('chunk');
my $S = $ENV{CKPT_STORAGE};

sub chunk {
    my ($href, $bytes, $range, %f) = @_;
    my @parts = ((map { $_ => $f{$_} } sort keys %f), file => [ undef, 'file', Content => $bytes ]);
    my $req = HTTP::Request::Common::POST('http://' . hostport() . $href,
        Content_Type => 'form-data', Content => \@parts);
    $req->method('PUT');
    $req->header('Content-Range' => $range) if defined $range;
    return admin_ua()->request($req);
}
sub new_upload {
    my ($size) = @_;
    my $res = api('POST', $U, { size => $size });
    is($res->code, 201, "an upload of $size bytes is 201") or diag $res->content;
    return json_of($res);
}
sub chunk_dir { my ($up) = @_; my ($id) = $up->{pulp_href} =~ m{([0-9a-f-]{36})/$}; "$S/upload/$id" }

my $bytes = join('', map { chr(($_ * 7) % 256) } 1 .. 25000);
my @c = (substr($bytes, 0, 10000), substr($bytes, 10000, 10000), substr($bytes, 20000));
my $size = length $bytes;

my $up = new_upload($size);
like($up->{pulp_href}, qr{^/pulp/api/v3/uploads/[0-9a-f-]{36}/$}, 'its href');
is($up->{size}, $size, 'its size');
ok(exists $up->{completed} && !defined $up->{completed}, 'completed: null');
ok($up->{pulp_created}, 'pulp_created');

# Out of order, one retried with other bytes first.
my $res = chunk($up->{pulp_href}, $c[2], "bytes 20000-24999/$size", sha256 => sha256_hex($c[2]));
is($res->code, 200, 'the last chunk first: 200') or diag $res->content;
is(json_of($res)->{size}, $size, 'answers the upload');
$res = chunk($up->{pulp_href}, 'x' x 10000, "bytes 0-9999/$size");
is($res->code, 200, 'a chunk without its sha256 is taken');
$res = chunk($up->{pulp_href}, $c[0], "bytes 0-9999/$size", sha256 => sha256_hex($c[0]));
is($res->code, 200, 'the same range again replaces it');

# Refused chunks.
my @bad = (
    [ [ $c[1], "bytes 10000-19999/$size", sha256 => sha256_hex('other') ], 400, 'sha256', 'a wrong chunk sha256' ],
    [ [ $c[1], "bytes 20000-29999/$size" ], 400, 'Content-Range', 'a range beyond the size' ],
    [ [ $c[1], "bytes 10000-19999/99999" ], 400, 'Content-Range', 'another total' ],
    [ [ $c[1], "bytes 10000-19998/$size" ], 400, 'file', 'a chunk of another length than its range' ],
    [ [ $c[1], undef ], 400, 'Content-Range', 'no Content-Range' ],
    [ [ $c[1], 'bytes 5-1/25000' ], 400, 'Content-Range', 'a backwards range' ],
);
for my $b (@bad) {
    my ($args, $code, $field, $what) = @$b;
    $res = chunk($up->{pulp_href}, @$args);
    is($res->code, $code, "$what: $code");
    ok(json_of($res)->{$field}, "naming $field") or diag $res->content;
}
my $none = '00000000-0000-0000-0000-000000000000';
is(chunk("${U}$none/", 'x', 'bytes 0-0/1')->code, 404, 'a chunk of no upload: 404');
is(api_raw('PUT', $up->{pulp_href}, 'x', 'application/octet-stream')->code, 400,
    'a chunk that is no form: 400 (no Content-Range)');

# Incomplete: the middle chunk is missing.
my $ud = json_of(api('GET', $up->{pulp_href}));
is_deeply($ud->{chunks}, [ { offset => 0, size => 10000 }, { offset => 20000, size => 5000 } ],
    'the upload lists its chunks, by offset');
$res = api('POST', "$up->{pulp_href}commit/", { sha256 => sha256_hex($bytes) });
is($res->code, 400, 'a commit of an incomplete upload is 400');
like(json_of($res)->{upload}[0] // '', qr/bytes 10000-19999 are missing/, 'saying what is missing')
    or diag $res->content;

$res = chunk($up->{pulp_href}, $c[1], "bytes 10000-19999/$size", sha256 => sha256_hex($c[1]));
is($res->code, 200, 'the middle chunk');
$res = api('POST', "$up->{pulp_href}commit/", { sha256 => sha256_hex('not it') });
is($res->code, 400, 'a commit with a wrong sha256 is 400');
ok(json_of($res)->{sha256}, 'naming sha256');
is(api('GET', $up->{pulp_href})->code, 200, 'the upload is still there');

$res = api('POST', "$up->{pulp_href}commit/", { sha256 => sha256_hex($bytes) });
is($res->code, 202, 'commit: 202, as Pulp') or diag $res->content;
my $task = json_of($res)->{task} // '';
like($task, qr{^/pulp/api/v3/tasks/[0-9a-f-]{36}/$}, 'done before the answer, with a task');
my $t = json_of(api('GET', $task));
is($t->{state}, 'completed', 'which has completed');
is($t->{name}, 'pulpcore.app.tasks.upload.commit', "under Pulp's name");
is_deeply($t->{reserved_resources_record}, [ $up->{pulp_href} ], 'reserving the upload')
    or diag explain $t;
is(psql("SELECT size FROM artifact WHERE sha256 = '" . sha256_hex($bytes) . "'"), $size,
    'the assembled file is an artifact');
ok(-s "$S/artifact/" . substr(sha256_hex($bytes), 0, 2) . '/' . substr(sha256_hex($bytes), 2), 'in storage');
is(api('GET', $up->{pulp_href})->code, 404, 'and the upload is used up');
ok(!-e chunk_dir($up), 'its chunks are gone');
is(api('POST', "$up->{pulp_href}commit/", { sha256 => sha256_hex($bytes) })->code, 404,
    'a second commit: 404');

# Content create with upload=, into a repository, as pulp-glue sends it.
my $repo = new_repo();
my $u2 = new_upload($size);
chunk($u2->{pulp_href}, $c[$_], sprintf('bytes %d-%d/%d', $_ * 10000, $_ * 10000 + length($c[$_]) - 1, $size),
    sha256 => sha256_hex($c[$_])) for (1, 0, 2);
$res = api('POST', API . 'content/file/files/',
    { relative_path => "$tag/big.bin", upload => $u2->{pulp_href}, repository => $repo->{pulp_href} });
is($res->code, 201, 'content create with upload= (JSON): 201') or diag $res->content;
my $unit = json_of($res);
is($unit->{sha256}, sha256_hex($bytes), 'the unit has the assembled bytes');
like($unit->{repository_version} // '', qr{versions/1/$}, 'in a new version of the repository');
is(api('GET', $u2->{pulp_href})->code, 404, 'the upload is used up');
ok(!-e chunk_dir($u2), 'and its chunks');

my $u3 = new_upload(3);
chunk($u3->{pulp_href}, 'abc', 'bytes 0-2/3');
$res = admin_ua()->request(HTTP::Request::Common::POST('http://' . hostport() . API . 'content/file/files/',
    Content_Type => 'form-data', Content => [ relative_path => "$tag/abc", upload => $u3->{pulp_href} ]));
is($res->code, 201, 'content create with upload= (a form): 201') or diag $res->content;
is(json_of($res)->{sha256}, sha256_hex('abc'), 'its bytes');

my $u4 = new_upload(6);
chunk($u4->{pulp_href}, 'abc', 'bytes 0-2/6');
$res = api('POST', API . 'content/file/files/', { relative_path => "$tag/half", upload => $u4->{pulp_href} });
is($res->code, 400, 'content create from an incomplete upload: 400');
ok(json_of($res)->{upload}, 'naming upload');
$res = api('POST', API . 'content/file/files/', { relative_path => "$tag/none", upload => "${U}$none/" });
is($res->code, 400, 'from no upload: 400');
ok(json_of($res)->{upload}, 'naming upload');
$res = api('POST', API . 'content/file/files/', { relative_path => "$tag/none" });
is($res->code, 400, 'neither file nor upload: 400');
ok(json_of($res)->{file}, 'naming file');
$res = api('POST', API . 'content/file/files/', { relative_path => "$tag/x", upload => $u4->{pulp_href}, file => 'x' });
is($res->code, 400, 'a JSON field content create does not have: 400');

# Delete.
ok(-d chunk_dir($u4), 'a chunk is stored under storage/upload/<id>/');
is(api('DELETE', $u4->{pulp_href})->code, 204, 'DELETE: 204');
is(api('GET', $u4->{pulp_href})->code, 404, 'then 404');
ok(!-e chunk_dir($u4), 'its chunks are gone');
is(api('DELETE', $u4->{pulp_href})->code, 404, 'a second DELETE: 404');

# Lists, and refused creates.
my $u5 = new_upload(12345);
$res = api('GET', "${U}?size=12345");
is(json_of($res)->{count}, 1, 'uploads/?size= finds it') or diag $res->content;
ok(!exists json_of($res)->{results}[0]{chunks}, 'a list has no chunks');
is(api('GET', "${U}?nope=1")->code, 400, 'an unknown filter: 400');
is(api('POST', $U, { size => -1 })->code, 400, 'a negative size: 400');
is(api('POST', $U, {})->code, 400, 'no size: 400');
is(api('POST', $U, { size => 1, other => 1 })->code, 400, 'another field: 400');
is(api('PATCH', $u5->{pulp_href}, { size => 1 })->code, 405, 'PATCH: 405');

# Orphan cleanup: an upload no chunk came to for the protection time goes
# with its chunks; a recent one stays.
my $old = new_upload(4);
chunk($old->{pulp_href}, 'wxyz', 'bytes 0-3/4');
my ($oid) = $old->{pulp_href} =~ m{([0-9a-f-]{36})/$};
psql("UPDATE upload SET pulp_last_updated = now() - interval '2 hours' WHERE id = '$oid'");
my $fresh = new_upload(4);
chunk($fresh->{pulp_href}, 'wxyz', 'bytes 0-3/4');
# A directory no row names (a failure between the row and the files).
my $stray = "$S/upload/$none";
fx_file("$stray/0", 'stray', 600);
utime(time - 7200, time - 7200, $stray);
$res = api('POST', API . 'orphans/cleanup/', { orphan_protection_time => 60 });
is($res->code, 200, 'orphan cleanup') or diag $res->content;
cmp_ok(json_of($res)->{uploads_removed}, '>=', 1, 'reports uploads removed');
is(api('GET', $old->{pulp_href})->code, 404, 'the abandoned upload is gone');
ok(!-e chunk_dir($old), 'with its chunks');
ok(!-e $stray, 'a directory no upload names is gone');
is(api('GET', $fresh->{pulp_href})->code, 200, 'a recent upload stays');
ok(-e chunk_dir($fresh) . '/0', 'with its chunk');
$res = api('POST', API . 'orphans/cleanup/', { orphan_protection_time => 0 });
is(api('GET', $fresh->{pulp_href})->code, 404, 'protection time 0 removes every upload');
ok(!-e chunk_dir($fresh), 'and its chunks');
is_deeply([ tmp_files() ], [], 'nothing left in storage/tmp');

done_testing();
