use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use IO::Socket::INET;
use lib 't/lib';
use CkptTest;

# Issue 9, defect 3: names, base paths and relative paths of about 3 KB
# gave 500 "Internal database error" (a btree index row is at most about
# 2,700 bytes).  They are refused with a 400 naming the field, and an
# upload's path before its bytes are kept.  Defect 2: every 413 is JSON,
# also the ones httpd's own LimitRequestBody decides.
my $R = API . 'repositories/file/file/';
my $D = API . 'distributions/file/file/';
my $long = 'x' x 3000;
my $repo = new_repo();

sub field_error {
    my ($res, $field, $what) = @_;
    is($res->code, 400, "$what: 400") or diag $res->content;
    ok(exists((json_of($res) // {})->{$field}), "$what: names $field") or diag $res->content;
}

field_error(api('POST', $R, { name => $long }), 'name', 'a repository name of 3000 bytes');
field_error(api('PATCH', $repo->{pulp_href}, { name => $long }), 'name', 'renaming to 3000 bytes');
field_error(api('POST', $D, { name => $long, base_path => unique('lim') }), 'name',
            'a distribution name of 3000 bytes');
field_error(api('POST', $D, { name => unique('lim'), base_path => $long }), 'base_path',
            'a base_path of 3000 bytes');
field_error(api('POST', API . 'publications/file/file/', { repository => $repo->{pulp_href}, manifest => $long }),
            'manifest', 'a manifest name of 3000 bytes');
is(api('POST', $R, { name => 'y' x 2048 })->code, 201, 'a name of 2048 bytes is fine');

my $bytes = "long path " . unique('lp') . "\n";
my $res = upload($bytes, relative_path => "a/$long");
field_error($res, 'relative_path', 'an upload with a relative_path of 3000 bytes');
my $sha = sha256_hex($bytes);
ok(!-e "$ENV{CKPT_STORAGE}/artifact/" . substr($sha, 0, 2) . '/' . substr($sha, 2), 'its bytes are not kept');
is_deeply([ tmp_files() ], [], 'nor a temporary file');
is(api('GET', API . 'status/')->code, 200, 'and the server is fine');

# httpd's own limit (1000 bytes in ckpt_small): a JSON 413 too.
Apache::TestRequest::module('ckpt_small');
my $small = 'http://' . Apache::TestRequest::hostport();
Apache::TestRequest::module('default');
$res = api_raw('POST', "$small" . API . 'content/file/files/?relative_path=' . unique('big'), 'z' x 5000,
               'application/octet-stream');
is($res->code, 413, 'an upload over LimitRequestBody is 413');
like($res->header('Content-Type') // '', qr{^application/json}, 'as JSON');
ok((json_of($res) // {})->{detail}, 'with a detail') or diag $res->content;
$res = api('POST', "$small$R", { name => unique('big'), description => 'd' x 5000 });
is($res->code, 413, 'a JSON body over LimitRequestBody is 413');
like($res->header('Content-Type') // '', qr{^application/json}, 'as JSON');

# The same sent chunked, so that no Content-Length announces it.
my ($host, $port) = split /:/, ($small =~ m{//(.*)})[0];
require MIME::Base64;
my $auth = MIME::Base64::encode_base64("admin:$ENV{CKPT_ADMIN_PASSWORD}", '');
my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port) or die "connect: $!";
my $chunk = 'c' x 2000;
print $s "POST ${R} HTTP/1.1\r\nHost: $host\r\nAuthorization: Basic $auth\r\n"
    . "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    . sprintf("%x\r\n%s\r\n0\r\n\r\n", length $chunk, $chunk);
my $answer = do { local $/; <$s> } // '';
like($answer, qr{^HTTP/1\.1 413}, 'a chunked body over LimitRequestBody is 413');
like($answer, qr{\r\nContent-Type: application/json}i, 'as JSON') or diag $answer;
close $s;

done_testing();
