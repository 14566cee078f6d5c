use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use lib 't/lib';
use CkptTest;

# Bad input is a 4xx with a JSON body that says why, never a 500: malformed
# JSON, non-UTF-8, wrong types, unknown fields, wrong Content-Type, bodies
# over the limit, unknown paths, malformed ids, methods not allowed.
my $R = API . 'repositories/file/file/';
my $repo = new_repo();
my $zero = '00000000-0000-0000-0000-000000000000';

my $res = api('POST', $R, '{"name": ');
is($res->code, 400, 'malformed JSON is 400');
like(json_of($res)->{detail} // '', qr/JSON/, 'says JSON');
is(api('POST', $R, '[1, 2]')->code, 400, 'not an object is 400');
is(api('POST', $R, '"name"')->code, 400, 'a bare string is 400');
is(api('POST', $R, qq({"name": "\xff\xfe"}))->code, 400, 'non-UTF-8 is 400');
is(api('POST', $R, qq({"name": "a", "name": "b"}))->code, 400, 'duplicate keys are 400');
is(api('POST', $R, '')->code, 400, 'empty body is 400');
is(api('POST', $R, '{"name": "x"}', content_type => 'text/plain')->code, 415, 'text/plain is 415');
is(api_raw('POST', $R, '{"name": "x"}')->code, 415, 'no Content-Type is 415');
is(api('POST', $R, '{"name": "x"}', content_type => 'application/json; charset=utf-8')->code, 201,
   'application/json with a charset is fine');
$res = api('POST', $R, { name => 'big', description => 'x' x 70000 });
is($res->code, 413, 'a body over CheckpointJSONLimit is 413');

# wrong types name the field
my %types = (
    name                 => [5, 'name'],
    description          => [[], 'description'],
    retain_repo_versions => ['3', 'retain_repo_versions'],
    retain_checkpoints   => [1.5, 'retain_checkpoints'],
);
for my $f (sort keys %types) {
    my ($v, $field) = @{ $types{$f} };
    $res = api('POST', $R, { name => unique('t'), $f => $v });
    is($res->code, 400, "$f of the wrong type is 400");
    ok(json_of($res)->{$field}, "names $field") or diag $res->content;
}
$res = api('POST', $R, { name => unique('t'), autopublish => undef });
is($res->code, 400, 'unknown field is 400');
is_deeply(json_of($res), { autopublish => ['Unexpected field.'] }, 'names the field');
$res = api('POST', $R, { name => undef });
is($res->code, 400, 'null name is 400');
$res = api('POST', $R, { description => 'no name' });
is_deeply(json_of($res), { name => ['This field is required.'] }, 'missing name is named');
is(api('POST', $R, { name => '' })->code, 400, 'blank name is 400');
is(api('POST', $R, { name => unique('t'), retain_repo_versions => 0 })->code, 400, 'retain_repo_versions 0 is 400');
is(api('POST', $R, { name => unique('t'), retain_checkpoints => -1 })->code, 400, 'negative retain_checkpoints is 400');

# unknown paths and malformed ids: 404
for my $p ("repositories/", "repositories/file/", "repositories/rpm/rpm/", "content/file/",
           "content/file/files/x/", "publications/file/file/$zero/extra/",
           "repositories/file/file/$zero/nothing/", "repositories/file/file/\U$zero\E-1/",
           "repositories/file/file/$zero/versions/-1/", "repositories/file/file/$zero/versions/1x/",
           "distributions/file/file/zz/") {
    is(api('GET', API . $p)->code, 404, "GET $p is 404");
}
for my $p ("repositories/file/file/", "content/file/files/", "publications/file/file/",
           "distributions/file/file/") {
    is(api('GET', API . "$p$zero/")->code, 404, "unknown $p id is 404");
    is(api('GET', API . "${p}not-a-uuid/")->code, 404, "malformed $p id is 404");
    is(api('DELETE', API . "${p}not-a-uuid/")->code, 404, "DELETE malformed $p id is 404");
}
my $uc = uc(substr($repo->{pulp_href}, length($R), 36));
is(api('GET', "$R$uc/")->code, 200, 'an upper-case uuid finds the same repository');

# methods
my %allow = (
    "$R"                                   => [ 'PUT',    qr/GET.*POST/ ],
    "$repo->{pulp_href}"                   => [ 'POST',   qr/GET.*PATCH.*DELETE/ ],
    "$repo->{pulp_href}modify/"            => [ 'GET',    qr/^POST$/ ],
    "$repo->{pulp_href}versions/"          => [ 'POST',   qr/^GET/ ],
    "$repo->{pulp_href}versions/0/"        => [ 'PATCH',  qr/GET.*DELETE/ ],
    API . 'content/file/files/'            => [ 'DELETE', qr/GET.*POST/ ],
    API . 'publications/file/file/'        => [ 'PATCH',  qr/GET.*POST/ ],
    API . 'distributions/file/file/'       => [ 'DELETE', qr/GET.*POST/ ],
);
for my $u (sort keys %allow) {
    my ($m, $re) = @{ $allow{$u} };
    $res = api($m, $u);
    is($res->code, 405, "$m $u is 405");
    like($res->header('Allow') // '', $re, 'with Allow');
}

# lists: bad limit/offset
for my $q ('limit=abc', 'limit=-5', 'offset=x', 'limit=1001') {
    is(api('GET', "$R?$q")->code, 400, "?$q is 400");
}
$res = api('GET', "$R?limit=1000");
is($res->code, 200, 'limit 1000 is fine');
$res = api('GET', "$R?name=" . ('%FF' x 3));
is($res->code, 400, 'a non-UTF-8 filter value is 400, not 500');

# HEAD on a list
$res = api('HEAD', $R);
is($res->code, 200, 'HEAD on a list');

done_testing();
