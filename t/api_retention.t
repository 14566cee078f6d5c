use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use lib 't/lib';
use CkptTest;

# Retention: retain_checkpoints clears the flag of older checkpoints (never
# deletes them); retain_repo_versions deletes older versions with their
# publications, except those a distribution needs.
my $P = API . 'publications/file/file/';
my $D = API . 'distributions/file/file/';
my $tag = unique('ret');

sub checkpoint {
    my ($repo) = @_;
    my $res = api('POST', $P, { repository => $repo->{pulp_href}, checkpoint => JSON::PP::true() });
    die $res->content unless $res->code == 201;
    return json_of($res);
}
sub flags {
    my ($repo) = @_;
    my $l = json_of(api('GET', "$P?repository=$repo->{pulp_href}"));
    return join '', map { $_->{checkpoint} ? 1 : 0 } @{ $l->{results} };
}
sub numbers {
    my ($repo) = @_;
    my $l = json_of(api('GET', $repo->{versions_href}));
    return join ' ', sort { $a <=> $b } map { $_->{number} } @{ $l->{results} };
}
sub bump {
    my ($repo, $i) = @_;
    my $res = upload("v$i $tag $repo->{name}\n", relative_path => "$tag/f$i", repository => $repo->{pulp_href});
    die $res->content unless $res->code == 201;
}

# checkpoints: 4, then retain 2, then one more
my $repo = new_repo();
checkpoint($repo) for 1 .. 4;
is(flags($repo), '1111', 'four checkpoints');
my $res = api('PATCH', $repo->{pulp_href}, { retain_checkpoints => 2 });
is($res->code, 200, 'PATCH retain_checkpoints 2');
is(flags($repo), '0011', 'the two oldest cleared at once');
is(json_of(api('GET', "$P?repository=$repo->{pulp_href}"))->{count}, 4, 'none deleted');
checkpoint($repo);
is(flags($repo), '00011', 'one more checkpoint clears the third');
is(json_of(api('GET', "$P?repository=$repo->{pulp_href}&checkpoint=true"))->{count}, 2, 'two checkpoints kept');
$res = api('PATCH', $repo->{pulp_href}, { retain_checkpoints => undef });
is($res->code, 200, 'retain_checkpoints null');
checkpoint($repo);
is(flags($repo), '000111', 'no retention any more (cleared ones stay cleared)');
my $r1 = new_repo(retain_checkpoints => 1);
checkpoint($r1) for 1 .. 2;
is(flags($r1), '01', 'retain_checkpoints given at create applies on the next checkpoint');
my $plain = json_of(api('POST', $P, { repository => $r1->{pulp_href} }));
is(flags($r1), '010', 'a plain publication does not count');

# versions: keep the N newest
my $rv = new_repo(retain_repo_versions => 2);
bump($rv, $_) for 1 .. 4;
is(numbers($rv), '3 4', 'retain_repo_versions 2 keeps the two newest (version 0 too goes)');
is(json_of(api('GET', "$rv->{pulp_href}versions/4/"))->{content_summary}{present}{'file.file'}{count}, 4,
   'the kept version still has all its content');

# publications of deleted versions go with them
my $rp = new_repo(retain_repo_versions => 1);
bump($rp, 1);
my $p1 = json_of(api('POST', $P, { repository => $rp->{pulp_href} }));
bump($rp, 2);
is(numbers($rp), '2', 'only the newest version');
is(api('GET', $p1->{pulp_href})->code, 404, 'the publication of a deleted version is gone');

# protected: a version a distribution serves directly
my $rd = new_repo(retain_repo_versions => 2);
bump($rd, 1);
api('POST', $D, { name => unique('d'), base_path => unique('retv'), repository_version => "$rd->{pulp_href}versions/1/" });
bump($rd, $_) for 2 .. 4;
is(numbers($rd), '1 3 4', 'a version a distribution serves is kept');

# protected: through a publication
my $rq = new_repo(retain_repo_versions => 1);
bump($rq, 1);
my $pq = json_of(api('POST', $P, { repository => $rq->{pulp_href} }));
api('POST', $D, { name => unique('d'), base_path => unique('retp'), publication => $pq->{pulp_href} });
bump($rq, $_) for 2 .. 3;
is(numbers($rq), '1 3', 'a version whose publication a distribution serves is kept');
is(api('GET', $pq->{pulp_href})->code, 200, 'and its publication');

# protected: the newest publication of a repository a plain distribution serves
my $rr = new_repo(retain_repo_versions => 1);
api('POST', $D, { name => unique('d'), base_path => unique('retr'), repository => $rr->{pulp_href} });
bump($rr, 1);
my $pr = json_of(api('POST', $P, { repository => $rr->{pulp_href} }));
bump($rr, $_) for 2 .. 3;
is(numbers($rr), '1 3', 'the version of the newest publication a repository distribution serves is kept');
is(api('GET', $pr->{pulp_href})->code, 200, 'and that publication');

# protected: checkpoints of a repository with a checkpoint distribution
my $rc = new_repo(retain_repo_versions => 1);
api('POST', $D, { name => unique('d'), base_path => unique('retc'), repository => $rc->{pulp_href}, checkpoint => JSON::PP::true() });
bump($rc, 1);
checkpoint($rc);
bump($rc, 2);
checkpoint($rc);
bump($rc, $_) for 3 .. 4;
is(numbers($rc), '1 2 4', 'versions of checkpoints are kept while a checkpoint distribution exists');
is(json_of(api('GET', "$P?repository=$rc->{pulp_href}&checkpoint=true"))->{count}, 2, 'with their checkpoints');

done_testing();
