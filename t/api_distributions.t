use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use lib 't/lib';
use CkptTest;

# Distributions: exactly one thing served, base paths that never overlap
# (checked under a lock, so concurrent creates cannot both pass), base_url,
# PATCH validated on the merged result.
my $D = API . 'distributions/file/file/';
my $tag = unique('dist');
my $repo = new_repo();
my $pub = json_of(api('POST', API . 'publications/file/file/', { repository => $repo->{pulp_href} }));
my $v0 = "$repo->{pulp_href}versions/0/";

my $res = api('POST', $D, { name => "$tag-a", base_path => "$tag/a", repository => $repo->{pulp_href} });
is($res->code, 201, 'create') or diag $res->content;
my $d = json_of($res);
like($d->{pulp_href}, qr{^/pulp/api/v3/distributions/file/file/[0-9a-f-]{36}/$}, 'pulp_href');
like($d->{pulp_created}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'pulp_created');
is($d->{name}, "$tag-a", 'name');
is($d->{base_path}, "$tag/a", 'base_path');
is($d->{base_url}, 'http://' . hostport() . "/pulp/content/$tag/a/", 'base_url is the content URL');
is($d->{repository}, $repo->{pulp_href}, 'repository');
is($d->{publication}, undef, 'publication null');
is($d->{repository_version}, undef, 'repository_version null');
is($d->{checkpoint}, JSON::PP::false(), 'checkpoint false');

$res = api('POST', $D, { name => "$tag-v", base_path => "$tag/v", repository_version => $v0 });
is($res->code, 201, 'create with a repository_version');
is(json_of($res)->{repository_version}, $v0, 'repository_version');
$res = api('POST', $D, { name => "$tag-p", base_path => "$tag/p", publication => $pub->{pulp_href} });
is($res->code, 201, 'create with a publication');
my $dp = json_of($res);
is($dp->{publication}, $pub->{pulp_href}, 'publication');
$res = api('POST', $D, { name => "$tag-c", base_path => "$tag/c", repository => $repo->{pulp_href}, checkpoint => JSON::PP::true() });
is($res->code, 201, 'create a checkpoint distribution');
is(json_of($res)->{checkpoint}, JSON::PP::true(), 'checkpoint true');
$res = api('POST', $D, { name => "$tag-n", base_path => "$tag/n" });
is($res->code, 201, 'create serving nothing yet');

# validation
my %cases = (
    'duplicate name'          => [{ name => "$tag-a", base_path => "$tag/other" }, 'name'],
    'no name'                 => [{ base_path => "$tag/x1" }, 'name'],
    'blank name'              => [{ name => '', base_path => "$tag/x1" }, 'name'],
    'no base_path'            => [{ name => unique('x') }, 'base_path'],
    'empty base_path'         => [{ name => unique('x'), base_path => '' }, 'base_path'],
    'leading slash'           => [{ name => unique('x'), base_path => "/$tag/x" }, 'base_path'],
    'dotdot'                  => [{ name => unique('x'), base_path => "$tag/../x" }, 'base_path'],
    'double slash'            => [{ name => unique('x'), base_path => "$tag//x" }, 'base_path'],
    'trailing slash'          => [{ name => unique('x'), base_path => "$tag/x/" }, 'base_path'],
    'equal base_path'         => [{ name => unique('x'), base_path => "$tag/a" }, 'base_path'],
    'prefix of another'       => [{ name => unique('x'), base_path => $tag }, 'base_path'],
    'below another'           => [{ name => unique('x'), base_path => "$tag/a/b" }, 'base_path'],
    'two things served'       => [{ name => unique('x'), base_path => "$tag/x2", repository => $repo->{pulp_href}, publication => $pub->{pulp_href} }, 'non_field_errors'],
    'three things served'     => [{ name => unique('x'), base_path => "$tag/x2", repository => $repo->{pulp_href}, publication => $pub->{pulp_href}, repository_version => $v0 }, 'non_field_errors'],
    'checkpoint, no repo'     => [{ name => unique('x'), base_path => "$tag/x3", checkpoint => JSON::PP::true() }, 'checkpoint'],
    'checkpoint, publication' => [{ name => unique('x'), base_path => "$tag/x3", publication => $pub->{pulp_href}, checkpoint => JSON::PP::true() }, 'checkpoint'],
    'unknown publication'     => [{ name => unique('x'), base_path => "$tag/x4", publication => API . 'publications/file/file/00000000-0000-0000-0000-000000000000/' }, 'publication'],
    'unknown repository'      => [{ name => unique('x'), base_path => "$tag/x4", repository => API . 'repositories/file/file/00000000-0000-0000-0000-000000000000/' }, 'repository'],
    'unknown version'         => [{ name => unique('x'), base_path => "$tag/x4", repository_version => "$repo->{pulp_href}versions/9/" }, 'repository_version'],
    'wrong kind of href'      => [{ name => unique('x'), base_path => "$tag/x4", publication => $repo->{pulp_href} }, 'publication'],
    'unknown field'           => [{ name => unique('x'), base_path => "$tag/x5", content_guard => undef }, 'content_guard'],
    'checkpoint not boolean'  => [{ name => unique('x'), base_path => "$tag/x5", checkpoint => 1 }, 'checkpoint'],
    'base_path not a string'  => [{ name => unique('x'), base_path => 7 }, 'base_path'],
    'base_path of 65 segments' => [{ name => unique('x'), base_path => join('/', "$tag-deep", ('d') x 64) }, 'base_path'],
);
$res = api('POST', $D, { name => unique('x'), base_path => join('/', "$tag-deep64", ('d') x 63) });
is($res->code, 201, 'a base_path of 64 segments is fine');
for my $name (sort keys %cases) {
    my ($body, $field) = @{ $cases{$name} };
    $res = api('POST', $D, $body);
    is($res->code, 400, "$name: 400");
    ok(exists((json_of($res) // {})->{$field}), "$name: names $field") or diag $res->content;
}
$res = api('POST', $D, { name => unique('x'), base_path => "$tag/ab" });
is($res->code, 201, 'a sibling whose name merely starts the same is no overlap');

# list and filters
is(json_of(api('GET', "$D?name=$tag-a"))->{count}, 1, 'filter name');
is(json_of(api('GET', "$D?base_path=$tag/p"))->{results}[0]{name}, "$tag-p", 'filter base_path');
is(json_of(api('GET', "$D?base_path=$tag/none"))->{count}, 0, 'filter base_path, none');

# PATCH: merged result validated the same way
$res = api('PATCH', $d->{pulp_href}, { base_path => "$tag/p" });
is($res->code, 400, 'patch to an overlapping base_path is 400');
ok(json_of($res)->{base_path}, 'names base_path');
$res = api('PATCH', $d->{pulp_href}, { publication => $pub->{pulp_href} });
is($res->code, 400, 'patch adding a publication to a repository distribution is 400');
$res = api('PATCH', $d->{pulp_href}, { publication => $pub->{pulp_href}, repository => undef });
is($res->code, 200, 'patch switching to a publication') or diag $res->content;
is(json_of($res)->{publication}, $pub->{pulp_href}, 'now a publication');
is(json_of($res)->{repository}, undef, 'no repository');
$res = api('PATCH', $d->{pulp_href}, { checkpoint => JSON::PP::true() });
is($res->code, 400, 'patch to checkpoint without repository is 400');
$res = api('PATCH', $d->{pulp_href}, { base_path => "$tag/a2", name => "$tag-a2" });
is($res->code, 200, 'patch base_path and name');
is(json_of($res)->{base_url}, 'http://' . hostport() . "/pulp/content/$tag/a2/", 'base_url follows');
$res = api('PATCH', $d->{pulp_href}, { base_path => "$tag/a2" });
is($res->code, 200, 'patch to its own base_path is fine');
$res = api('PATCH', $d->{pulp_href}, { name => "$tag-p" });
is($res->code, 400, 'patch to a taken name is 400');
is_deeply(json_of($res), { name => ['This field must be unique.'] }, 'names the field');
is(api('PATCH', $d->{pulp_href}, { bogus => 1 })->code, 400, 'unknown field in patch 400');
is(api('PATCH', "${D}00000000-0000-0000-0000-000000000000/", {})->code, 404, 'patch unknown 404');

# concurrent overlapping creates: never two that overlap
my $race = unique('race');
my @paths = ($race, "$race/x", "$race/y", $race);
my @kids;
for my $bp (@paths) {
    my $pid = fork // die;
    if (!$pid) {
        my $x = api('POST', $D, { name => unique('r'), base_path => $bp });
        require POSIX; POSIX::_exit($x->code == 201 ? 0 : $x->code == 400 ? 1 : 2);
    }
    push @kids, $pid;
}
my %exit;
for (@kids) { waitpid $_, 0; $exit{ $? >> 8 }++ }
ok(!$exit{2}, 'each concurrent create is 201 or 400') or diag explain \%exit;
my @made = map { $_->{base_path} } @{ json_of(api('GET', "$D?limit=1000"))->{results} };
my @mine = grep { $_ eq $race || index($_, "$race/") == 0 } @made;
my $overlap = 0;
for my $i (0 .. $#mine) {
    for my $j ($i + 1 .. $#mine) {
        my ($x, $y) = ($mine[$i], $mine[$j]);
        $overlap++ if $x eq $y || index($x, "$y/") == 0 || index($y, "$x/") == 0;
    }
}
ok(@mine >= 1, 'at least one made');
is($overlap, 0, 'no two overlap') or diag "@mine";

# Issue 9, defect 10: deleting the repository of a checkpoint
# distribution.  As in Pulp, the distribution stays and its repository
# becomes null; it keeps checkpoint: true and serves nothing (its index is
# empty, every time 404) until it is given a repository again, and it can
# be changed meanwhile (every PATCH, even a rename, was refused).
{
    my $cr = new_repo();
    my $cd = json_of(api('POST', $D, { name => "$tag-cd", base_path => "$tag-cd", repository => $cr->{pulp_href},
                                       checkpoint => JSON::PP::true() }));
    is(api('DELETE', $cr->{pulp_href})->code, 204, 'the repository of a checkpoint distribution is deleted');
    my $got = json_of(api('GET', $cd->{pulp_href}));
    is($got->{repository}, undef, 'the distribution stays, with no repository');
    is($got->{checkpoint}, JSON::PP::true(), 'and checkpoint true');
    my $res = api('PATCH', $cd->{pulp_href}, { name => "$tag-cd2" });
    is($res->code, 200, 'it can be renamed') or diag $res->content;
    # A new distribution reaches every process's catalog within a second
    # (as in t/content_cache.t): the request may meet another process.
    cache_settle();
    my $idx = anon_ua()->get('http://' . hostport() . "/pulp/content/$tag-cd/");
    is($idx->code, 200, 'its index answers');
    unlike($idx->content, qr{<a href="\d{8}T\d{6}Z/">}, 'and lists no checkpoint');
    is(anon_ua()->get('http://' . hostport() . "/pulp/content/$tag-cd/20250101T000000Z/")->code, 404,
       'a time under it is 404');
    $res = api('PATCH', $cd->{pulp_href}, { checkpoint => JSON::PP::true() });
    is($res->code, 400, 'but checkpoint: true is still refused without a repository');
    my $nr = new_repo();
    $res = api('PATCH', $cd->{pulp_href}, { repository => $nr->{pulp_href} });
    is($res->code, 200, 'it can be given a new repository') or diag $res->content;
    is(json_of($res)->{checkpoint}, JSON::PP::true(), 'and is a checkpoint distribution of it');
}

# delete
is(api('DELETE', $dp->{pulp_href})->code, 204, 'delete');
is(api('GET', $dp->{pulp_href})->code, 404, 'gone');
is(api('DELETE', $dp->{pulp_href})->code, 404, 'second delete 404');
is(api('PUT', $d->{pulp_href}, {})->code, 405, 'PUT 405');

done_testing();
