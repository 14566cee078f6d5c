use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use lib 't/lib';
use CkptTest;

# Publications: of a repository (its latest version) or of a version, with
# PULP_MANIFEST; checkpoints never share a second; every validation rule.
my $P = API . 'publications/file/file/';
my $tag = unique('pub');
my $repo = new_repo();
my @bytes = ("zeta $tag\n", "alpha $tag\n");
upload($bytes[0], relative_path => "$tag/z.txt", repository => $repo->{pulp_href});
upload($bytes[1], relative_path => "$tag/A/a.txt", repository => $repo->{pulp_href});
my $v2 = "$repo->{pulp_href}versions/2/";

my $res = api('POST', $P, { repository => $repo->{pulp_href} });
is($res->code, 201, 'publish a repository') or diag $res->content;
my $pub = json_of($res);
like($pub->{pulp_href}, qr{^/pulp/api/v3/publications/file/file/[0-9a-f-]{36}/$}, 'pulp_href');
like($pub->{pulp_created}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'pulp_created');
is($pub->{repository}, $repo->{pulp_href}, 'repository');
is($pub->{repository_version}, $v2, 'its latest version');
is($pub->{checkpoint}, JSON::PP::false(), 'checkpoint false');
is($pub->{manifest}, 'PULP_MANIFEST', 'manifest');
is_deeply($pub->{distributions}, [], 'no distributions');

my ($id) = $pub->{pulp_href} =~ m{/([0-9a-f-]{36})/$};
my $msha = psql("SELECT manifest_sha256 FROM publication WHERE id = '$id'");
my $mfile = "$ENV{CKPT_STORAGE}/artifact/" . substr($msha, 0, 2) . '/' . substr($msha, 2);
my $want = join '', map { "$_->[0]," . sha256_hex($_->[1]) . ',' . length($_->[1]) . "\n" }
    (["$tag/A/a.txt", $bytes[1]], ["$tag/z.txt", $bytes[0]]);
{
    open my $fh, '<', $mfile or die "no manifest $mfile";
    local $/;
    is(<$fh>, $want, 'PULP_MANIFEST: relative_path,sha256,size per line, sorted');
}

$res = api('POST', $P, { repository_version => "$repo->{pulp_href}versions/0/", manifest => 'MANIFEST.csv' });
is($res->code, 201, 'publish version 0');
my $p0 = json_of($res);
is($p0->{repository_version}, "$repo->{pulp_href}versions/0/", 'of version 0');
is($p0->{manifest}, 'MANIFEST.csv', 'manifest name kept');

is(api('GET', $pub->{pulp_href})->code, 200, 'GET');
is_deeply(json_of(api('GET', $pub->{pulp_href})), $pub, 'same fields');
is(json_of(api('GET', "$P?repository=$repo->{pulp_href}"))->{count}, 2, 'filter repository');
is(json_of(api('GET', "$P?repository=$repo->{pulp_href}&checkpoint=true"))->{count}, 0, 'filter checkpoint');
is(api('GET', "$P?checkpoint=maybe")->code, 400, 'bad checkpoint filter 400');
is(api('GET', "$P?repository=nope")->code, 400, 'bad repository filter 400');

# validation
my %cases = (
    'neither'                     => [{}, 'non_field_errors'],
    'both'                        => [{ repository => $repo->{pulp_href}, repository_version => $v2 }, 'non_field_errors'],
    'checkpoint with a version'   => [{ repository_version => $v2, checkpoint => JSON::PP::true() }, 'checkpoint'],
    'unknown repository'          => [{ repository => API . 'repositories/file/file/00000000-0000-0000-0000-000000000000/' }, 'repository'],
    'unknown version'             => [{ repository_version => "$repo->{pulp_href}versions/42/" }, 'repository_version'],
    'wrong kind'                  => [{ repository => $pub->{pulp_href} }, 'repository'],
    'not an href'                 => [{ repository => 'hello' }, 'repository'],
    'unknown field'               => [{ repository => $repo->{pulp_href}, publisher => 1 }, 'publisher'],
    'checkpoint not a boolean'    => [{ repository => $repo->{pulp_href}, checkpoint => 'yes' }, 'checkpoint'],
    'repository not a string'     => [{ repository => 5 }, 'repository'],
    'manifest with ..'            => [{ repository => $repo->{pulp_href}, manifest => '../x' }, 'manifest'],
);
for my $name (sort keys %cases) {
    my ($body, $field) = @{ $cases{$name} };
    $res = api('POST', $P, $body);
    is($res->code, 400, "$name: 400");
    ok(exists((json_of($res) // {})->{$field}), "$name: names $field") or diag $res->content;
}
$res = api('POST', $P, { repository_version => $v2, checkpoint => JSON::PP::true() });
is_deeply(json_of($res), { checkpoint => ['checkpoint may only be used with repository'] }, 'the SPEC message');
is(json_of(api('GET', "$P?repository=$repo->{pulp_href}"))->{count}, 2, 'refused requests made nothing');

# checkpoints back to back: three different seconds
my @secs;
for (1 .. 3) {
    $res = api('POST', $P, { repository => $repo->{pulp_href}, checkpoint => JSON::PP::true() });
    is($res->code, 201, "checkpoint $_") or diag $res->content;
    is(json_of($res)->{checkpoint}, JSON::PP::true(), 'is a checkpoint');
    push @secs, substr(json_of($res)->{pulp_created}, 0, 19);
}
my %u = map { $_ => 1 } @secs;
is(scalar keys %u, 3, 'three checkpoints, three seconds') or diag "@secs";

# three at once, from three processes
my $crepo = new_repo();
my @kids;
for (1 .. 3) {
    pipe(my $r, my $w) or die;
    my $pid = fork // die;
    if (!$pid) {
        close $r;
        my $x = api('POST', $P, { repository => $crepo->{pulp_href}, checkpoint => JSON::PP::true() });
        print $w $x->code, ' ', (json_of($x) // {})->{pulp_created} // '', "\n";
        close $w;
        require POSIX; POSIX::_exit(0);
    }
    close $w;
    push @kids, [$pid, $r];
}
my (@codes, %csecs);
for (@kids) {
    my ($pid, $r) = @$_;
    my ($code, $ts) = split ' ', (<$r> // '');
    waitpid $pid, 0;
    push @codes, $code // 0;
    $csecs{ substr($ts // '', 0, 19) }++;
}
is_deeply([ sort @codes ], [ 201, 201, 201 ], 'three concurrent checkpoints all 201');
is(scalar keys %csecs, 3, 'in three different seconds') or diag explain \%csecs;

# distributions field
$res = api('POST', API . 'distributions/file/file/', { name => unique('d'), base_path => unique('pubdist'), publication => $p0->{pulp_href} });
is($res->code, 201, 'a distribution of the publication');
my $dist = json_of($res);
is_deeply(json_of(api('GET', $p0->{pulp_href}))->{distributions}, [ $dist->{pulp_href} ], 'listed in distributions');
$res = api('POST', API . 'distributions/file/file/', { name => unique('d'), base_path => unique('pubrepo'), repository => $crepo->{pulp_href}, checkpoint => JSON::PP::true() });
my $cdist = json_of($res);
my $cl = json_of(api('GET', "$P?repository=$crepo->{pulp_href}"));
is(scalar(grep { grep { $_ eq $cdist->{pulp_href} } @{ $_->{distributions} } } @{ $cl->{results} }), 3,
   'a checkpoint distribution serves every checkpoint');

# delete
is(api('DELETE', $p0->{pulp_href})->code, 204, 'delete');
is(api('GET', $p0->{pulp_href})->code, 404, 'gone');
is(json_of(api('GET', $dist->{pulp_href}))->{publication}, undef, 'the distribution no longer points at it');
is(api('DELETE', $p0->{pulp_href})->code, 404, 'second delete 404');
is(api('PATCH', $pub->{pulp_href}, {})->code, 405, 'PATCH is 405');
is(api('GET', "${P}123/")->code, 404, 'malformed id 404');

done_testing();
