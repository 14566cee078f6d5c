use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use lib 't/lib';
use CkptTest;

# Repositories: create (with version 0), list with pagination and filters,
# get, patch, delete; versions list/get/delete rules.
my $R = API . 'repositories/file/file/';
my $name = unique('repo');

my $res = api('POST', $R, { name => $name, description => 'first' });
is($res->code, 201, 'create is 201') or diag $res->content;
my $repo = json_of($res);
like($repo->{pulp_href}, qr{^/pulp/api/v3/repositories/file/file/[0-9a-f-]{36}/$}, 'pulp_href');
like($repo->{pulp_created}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'pulp_created RFC 3339 with microseconds');
is($repo->{name}, $name, 'name');
is($repo->{description}, 'first', 'description');
is($repo->{versions_href}, "$repo->{pulp_href}versions/", 'versions_href');
is($repo->{latest_version_href}, "$repo->{pulp_href}versions/0/", 'latest is version 0');
is($repo->{retain_repo_versions}, undef, 'retain_repo_versions null');
is($repo->{retain_checkpoints}, undef, 'retain_checkpoints null');

$res = api('GET', $repo->{latest_version_href});
is($res->code, 200, 'version 0 exists') or diag $res->content;
my $v0 = json_of($res);
is($v0->{number}, 0, 'number 0');
is($v0->{repository}, $repo->{pulp_href}, 'version repository');
is_deeply($v0->{content_summary}, { added => {}, removed => {}, present => {} }, 'empty summary');

$res = api('POST', $R, { name => $name });
is($res->code, 400, 'duplicate name is 400');
is_deeply(json_of($res), { name => ['This field must be unique.'] }, 'names the field');

$res = api('GET', $repo->{pulp_href});
is($res->code, 200, 'get');
is(json_of($res)->{name}, $name, 'get answers the repository');

# list, filter, pagination
my @names = map { unique('page') } 1 .. 3;
api('POST', $R, { name => $_ }) for @names;
$res = api('GET', "${R}?name=$name");
is($res->code, 200, 'list by name');
my $l = json_of($res);
is($l->{count}, 1, 'filter count');
is($l->{results}[0]{pulp_href}, $repo->{pulp_href}, 'filter result');
is($l->{next}, undef, 'no next');
is($l->{previous}, undef, 'no previous');

$res = api('GET', "${R}?limit=2");
$l = json_of($res);
ok($l->{count} >= 4, 'count of all');
is(scalar @{ $l->{results} }, 2, 'limit 2');
like($l->{next} // '', qr{^http://[^/]+/pulp/api/v3/repositories/file/file/\?limit=2&offset=2$}, 'absolute next');
my $first = $l;
$res = api('GET', $l->{next});
$l = json_of($res);
like($l->{previous} // '', qr{^http://.*\?limit=2$}, 'previous');
$res = api('GET', $l->{previous});
$l = $first;
is(json_of($res)->{results}[0]{pulp_href}, $l->{results}[0]{pulp_href}, 'and previous leads back');
# Filters are kept in next and previous (three units share a relative_path).
my $rp = "$name/same";
upload("$name $_\n", relative_path => $rp) for 1 .. 3;
$res = api('GET', API . "content/file/files/?relative_path=$rp&limit=1&offset=1");
$l = json_of($res);
my %nq = map { split /=/, $_, 2 } split /&/, (split /\?/, $l->{next} // '')[1] // '';
is_deeply(\%nq, { relative_path => $rp, limit => 1, offset => 2 }, 'other parameters are kept in next');
my %pq = map { split /=/, $_, 2 } split /&/, (split /\?/, $l->{previous} // '')[1] // '';
is_deeply(\%pq, { relative_path => $rp, limit => 1 }, 'and in previous, offset 0 left out');
$res = api('GET', "${R}?description=x");
is($res->code, 400, 'a filter a list does not have is 400 (it was ignored)');
is_deeply(json_of($res), { description => ['Unknown query parameter.'] }, 'naming it');
is(api('GET', "${R}?limit=0")->code, 400, 'limit 0 is 400');
is(api('GET', "${R}?limit=1001")->code, 400, 'limit over 1000 is 400');
is(api('GET', "${R}?offset=-1")->code, 400, 'negative offset is 400');
$res = api('GET', "${R}?offset=100000");
is_deeply(json_of($res)->{results}, [], 'offset past the end: empty page');

# patch
$res = api('PATCH', $repo->{pulp_href}, { description => undef, retain_repo_versions => 3 });
is($res->code, 200, 'patch') or diag $res->content;
is(json_of($res)->{description}, undef, 'description cleared');
is(json_of($res)->{retain_repo_versions}, 3, 'retain_repo_versions set');
is(json_of($res)->{name}, $name, 'name kept');
$res = api('PATCH', $repo->{pulp_href}, { name => $names[0] });
is($res->code, 400, 'patch to a taken name is 400');
is_deeply(json_of($res), { name => ['This field must be unique.'] }, 'names the field');
is(api('PATCH', $repo->{pulp_href}, { retain_checkpoints => 0 })->code, 400, 'retain_checkpoints 0 is 400');
is(api('PATCH', $repo->{pulp_href}, { bogus => 1 })->code, 400, 'unknown field in patch is 400');

# versions
$res = api('GET', $repo->{versions_href});
is($res->code, 200, 'versions list');
is(json_of($res)->{count}, 1, 'one version');
is(api('GET', "$repo->{versions_href}?number=0")->code, 200, 'number filter');
is(json_of(api('GET', "$repo->{versions_href}?number=7"))->{count}, 0, 'number filter, none');
is(api('GET', "$repo->{versions_href}7/")->code, 404, 'missing version 404');
is(api('GET', "$repo->{versions_href}x/")->code, 404, 'malformed version 404');
$res = api('DELETE', "$repo->{versions_href}0/");
is($res->code, 409, 'version 0 cannot be deleted');

# methods
$res = api('PUT', $repo->{pulp_href}, {});
is($res->code, 405, 'PUT is 405');
like($res->header('Allow') // '', qr/PATCH/, 'Allow lists PATCH');
is(api('DELETE', $R)->code, 405, 'DELETE on the collection is 405');
is(api('GET', "${R}not-a-uuid/")->code, 404, 'malformed uuid 404');
is(api('GET', "${R}00000000-0000-0000-0000-000000000000/")->code, 404, 'unknown uuid 404');
is(api('GET', "${R}00000000-0000-0000-0000-000000000000/versions/")->code, 404, 'versions of unknown 404');

# delete
$res = api('DELETE', $repo->{pulp_href});
is($res->code, 204, 'delete is 204');
is(api('GET', $repo->{pulp_href})->code, 404, 'gone');
is(api('GET', $repo->{latest_version_href})->code, 404, 'its versions are gone');
is(api('DELETE', $repo->{pulp_href})->code, 404, 'second delete 404');

done_testing();
