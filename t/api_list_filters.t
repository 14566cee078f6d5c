use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use URI::Escape qw(uri_escape);
use lib 't/lib';
use CkptTest;

# The list filters pulp-cli and Ansible (pulp.squeezer) send, on every
# list that has them: name and its __startswith, __contains, __icontains,
# __in; base_path and the same; relative_path, sha256, repository_version;
# ordering (one field, '-' for descending); fields and exclude_fields;
# limit and offset.  Anything else is a 400 naming the parameter.
my $tag = unique('flt');
my $R = API . 'repositories/file/file/';
my $D = API . 'distributions/file/file/';
my $P = API . 'publications/file/file/';
my $C = API . 'content/file/files/';

sub names {
    my ($url) = @_;
    my $res = api('GET', $url);
    is($res->code, 200, "GET $url") or diag $res->content;
    return [ map { $_->{name} // $_->{relative_path} } @{ json_of($res)->{results} // [] } ];
}
sub qs { my (%q) = @_; join '&', map { "$_=" . uri_escape($q{$_}) } sort keys %q }

my @names = qw(Alpha beta gamma); # writable: Apache::Test's first request sets $_
my @repos = map { new_repo(name => "$tag-$_") } @names;
my $prefix = "$tag-";

# name and its lookups, on repositories and distributions.
is_deeply(names("$R?" . qs(name => "$tag-beta")), ["$tag-beta"], 'name');
is_deeply(names("$R?" . qs(name__startswith => $prefix, ordering => 'name')),
    [ "$tag-Alpha", "$tag-beta", "$tag-gamma" ], 'name__startswith, ordering=name');
is_deeply(names("$R?" . qs(name__startswith => $prefix, ordering => '-name')),
    [ "$tag-gamma", "$tag-beta", "$tag-Alpha" ], 'ordering=-name');
is_deeply(names("$R?" . qs(name__contains => "$tag-a", ordering => 'name')), [], 'name__contains is case-sensitive');
is_deeply(names("$R?" . qs(name__contains => 'amm', name__startswith => $prefix)), ["$tag-gamma"], 'name__contains');
is_deeply(names("$R?" . qs(name__icontains => uc("$tag-al"))), ["$tag-Alpha"], 'name__icontains ignores case');
is_deeply(names("$R?" . qs(name__in => "$tag-gamma,$tag-Alpha,nothing", ordering => 'name')),
    [ "$tag-Alpha", "$tag-gamma" ], 'name__in, a comma-separated list');
is_deeply(names("$R?" . qs(name__startswith => $prefix, ordering => '-pulp_created')),
    [ "$tag-gamma", "$tag-beta", "$tag-Alpha" ], 'ordering=-pulp_created');
is_deeply(names("$R?" . qs(name__startswith => $prefix, ordering => 'name', limit => 1, offset => 1)),
    [ "$tag-beta" ], 'with limit and offset');

my $res = api('GET', "$R?" . qs(name => "$tag-beta", fields => 'name,pulp_href'));
is_deeply([ sort keys %{ json_of($res)->{results}[0] } ], [qw(name pulp_href)], 'fields');
$res = api('GET', "$R?" . qs(name => "$tag-beta", exclude_fields => 'description,retain_checkpoints'));
my $r0 = json_of($res)->{results}[0];
ok(!exists $r0->{description} && !exists $r0->{retain_checkpoints} && $r0->{name}, 'exclude_fields');

# A read takes fields and exclude_fields too, and nothing else.
$res = api('GET', "$repos[1]{pulp_href}?fields=name");
is_deeply(json_of($res), { name => "$tag-beta" }, 'a read with fields') or diag $res->content;
$res = api('GET', "$repos[1]{pulp_href}?exclude_fields=versions_href,latest_version_href");
ok(json_of($res)->{name} && !exists json_of($res)->{versions_href}, 'a read with exclude_fields');
for my $q ('colour=red', 'limit=1', 'name=x') {
    $res = api('GET', "$repos[1]{pulp_href}?$q");
    my ($param) = $q =~ /^(\w+)/;
    is($res->code, 400, "a read with $q: 400");
    ok(json_of($res)->{$param}, "naming $param");
}

# Content, a publication and distributions to filter.
my $unit = json_of(upload("one $tag", relative_path => "$tag/one", repository => $repos[0]{pulp_href}));
upload("two $tag", relative_path => "$tag/two", repository => $repos[0]{pulp_href});
my $v2 = "$repos[0]{pulp_href}versions/2/";
is_deeply(names("$C?" . qs(repository_version => $v2, ordering => '-relative_path')),
    [ "$tag/two", "$tag/one" ], 'content: repository_version, ordering=-relative_path');
is_deeply(names("$C?" . qs(repository_version => "$repos[0]{pulp_href}versions/1/")), ["$tag/one"],
    'an earlier version');
is_deeply(names("$C?" . qs(sha256 => uc $unit->{sha256})), ["$tag/one"], 'sha256, either case');
is_deeply(names("$C?" . qs(relative_path => "$tag/two")), ["$tag/two"], 'relative_path');

my $pub1 = json_of(api('POST', $P, { repository_version => "$repos[0]{pulp_href}versions/1/" }));
my $pub2 = json_of(api('POST', $P, { repository => $repos[0]{pulp_href}, checkpoint => JSON::PP::true() }));
$res = api('GET', "$P?" . qs(repository_version => "$repos[0]{pulp_href}versions/1/"));
is_deeply([ map { $_->{pulp_href} } @{ json_of($res)->{results} } ], [ $pub1->{pulp_href} ],
    'publications: repository_version');
$res = api('GET', "$P?" . qs(repository => $repos[0]{pulp_href}, ordering => '-pulp_created'));
is_deeply([ map { $_->{pulp_href} } @{ json_of($res)->{results} } ], [ $pub2->{pulp_href}, $pub1->{pulp_href} ],
    'publications: repository, ordering=-pulp_created');

for my $n (qw(one two three)) {
    my $r = api('POST', $D, { name => "$tag-d-$n", base_path => "$tag/$n/x", publication => $pub1->{pulp_href} });
    is($r->code, 201, "distribution $n") or diag $r->content;
}
is_deeply(names("$D?" . qs(base_path => "$tag/two/x")), ["$tag-d-two"], 'distributions: base_path');
is_deeply(names("$D?" . qs(base_path__startswith => "$tag/t", ordering => 'base_path')),
    [ "$tag-d-three", "$tag-d-two" ], 'base_path__startswith, ordering=base_path');
is_deeply(names("$D?" . qs(name__startswith => "$tag-d-", ordering => '-name')),
    [ "$tag-d-two", "$tag-d-three", "$tag-d-one" ], 'name__startswith, ordering=-name');
is_deeply(names("$D?" . qs(base_path__in => "$tag/one/x,$tag/three/x", ordering => 'name')),
    [ "$tag-d-one", "$tag-d-three" ], 'base_path__in');

# Refused, naming the parameter.
my @refused = (
    [ "$R?colour=red", 'colour', 'an unknown parameter' ],
    [ "$R?base_path=x", 'base_path', 'a filter of another list' ],
    [ "$R?ordering=description", 'ordering', 'ordering by a field that cannot be' ],
    [ "$R?ordering=name,pulp_created", 'ordering', 'ordering by two fields' ],
    [ "$C?sha256=xyz", 'sha256', 'a sha256 that is none' ],
    [ "$C?repository_version=/nope/", 'repository_version', 'a version href that is none' ],
    [ "$P?checkpoint=maybe", 'checkpoint', 'a boolean that is none' ],
    [ API . 'uploads/?size=big', 'size', 'a size that is no number' ],
    [ "$R?name__iexact=x", 'name__iexact', 'a lookup that is not implemented' ],
);
for my $r (@refused) {
    my ($url, $param, $what) = @$r;
    $res = api('GET', $url);
    is($res->code, 400, "$what: 400");
    ok(json_of($res)->{$param}, "naming $param") or diag $res->content;
}

# The document lists them.
my $doc = json_of(anon_ua()->get('http://' . hostport() . API . 'docs/api.json'));
my %p = map { $_->{name} => $_ } @{ $doc->{paths}{"${R}"}{get}{parameters} };
ok($p{$_}, "the document lists $_ on repositories") for qw(name name__startswith name__contains
    name__icontains name__in ordering fields exclude_fields limit offset);
is($p{name__in}{schema}{type}, 'array', 'name__in is a list');
ok(!$p{name__in}{explode}, 'sent comma-separated');
ok((grep { $_ eq '-name' } @{ $p{ordering}{schema}{items}{enum} }), 'ordering lists -name');

done_testing();
