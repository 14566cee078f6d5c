use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use HTTP::Request::Common ();
use lib 't/lib';
use CkptTest;

# content/file/files/ as pulp-glue uploads: multipart/form-data with the
# fields as parts and the bytes as the part "file", streamed to storage.
my $C = 'http://' . Apache::TestRequest::hostport() . API . 'content/file/files/';
my $tag = unique('mp');

sub form {
    my (@parts) = @_;
    my $req = HTTP::Request::Common::POST($C, Content_Type => 'form-data', Content => \@parts);
    return admin_ua()->request($req);
}
sub file { my ($bytes, $name) = @_; return [ undef, $name // 'upload.bin', Content => $bytes ] }

my $bytes = join('', map { chr($_ % 256) } 0 .. 70000) . "\r\n--not a boundary\r\n";
my $res = form(relative_path => "$tag/a.bin", sha256 => sha256_hex($bytes), file => file($bytes));
is($res->code, 201, 'a multipart upload is 201') or diag $res->content;
my $unit = json_of($res);
is($unit->{sha256}, sha256_hex($bytes), 'the bytes of the file part, CRLFs and all');
is($unit->{size}, length $bytes, 'its size');
is($unit->{relative_path}, "$tag/a.bin", 'relative_path from its part');

my $repo = new_repo();
$res = form(file => file("second $tag"), repository => $repo->{pulp_href}, relative_path => "$tag/b");
is($res->code, 201, 'fields after the file, and a repository') or diag $res->content;
like(json_of($res)->{repository_version} // '', qr{versions/1/$}, 'added as a new version');

$res = admin_ua()->request(HTTP::Request::Common::POST("$C?relative_path=$tag/c",
    Content_Type => 'form-data', Content => [ file => file("third $tag") ]));
is($res->code, 201, 'a field may come in the query') or diag $res->content;

my @refused = (
    [ [ relative_path => "$tag/d" ], 'file', 'no file part' ],
    [ [ relative_path => "$tag/d", artifact => 'x', file => file('x') ], 'artifact', 'a field the API does not have' ],
    [ [ relative_path => "$tag/d", upload => 'x', file => file('x') ], 'upload', 'a file and an upload' ],
    [ [ relative_path => "$tag/d", relative_path => "$tag/e", file => file('x') ], 'relative_path', 'a field twice' ],
    [ [ relative_path => "$tag/d", file => file('x'), file => file('y') ], 'file', 'two files' ],
    [ [ file => file('x') ], 'relative_path', 'no relative_path' ],
    [ [ relative_path => '../x', file => file('x') ], 'relative_path', 'a path that climbs' ],
    [ [ relative_path => "$tag/d", sha256 => sha256_hex('other'), file => file('x') ], 'sha256', 'a digest mismatch' ],
    [ [ relative_path => 'a' x 5000, file => file('x') ], 'relative_path', 'a field too long' ],
);
for my $r (@refused) {
    my ($parts, $field, $what) = @$r;
    $res = form(@$parts);
    is($res->code, 400, "$what: 400");
    ok(json_of($res)->{$field}, "naming $field") or diag $res->content;
}
is_deeply([ tmp_files() ], [], 'nothing left in storage/tmp');
is(psql("SELECT count(*) FROM content WHERE relative_path = '$tag/d'"), 0, 'and no unit');

for my $body ("--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nunfinished",
              "--XyZ\r\nno header\r\n\r\nx\r\n--XyZ--\r\n", "garbage") {
    $res = api_raw('POST', API . 'content/file/files/', $body, 'multipart/form-data; boundary=XyZ');
    is($res->code, 400, 'a malformed body is 400');
    ok(json_of($res)->{detail}, 'with a detail') or diag $res->content;
}
$res = api_raw('POST', API . 'content/file/files/', 'x', 'multipart/form-data');
is($res->code, 400, 'no boundary is 400');
is(api_raw('POST', API . "content/file/files/?relative_path=$tag/f", 'x', 'text/plain')->code, 415,
    'another type is still 415');

done_testing();
