use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use lib 't/lib';
use CkptTest;

# modify/: version N+1 = base minus removed plus added, a relative_path
# taken by an added unit replaces the old unit, in one transaction; the
# content of older versions stays as it was.
my $C = API . 'content/file/files/';
my $tag = unique('mod');
my $repo = new_repo();

sub unit { my ($path, $bytes) = @_; my $r = upload($bytes // "$path $tag\n", relative_path => "$tag/$path"); json_of($r)->{pulp_href} }
sub paths_of {
    my ($vhref) = @_;
    my $l = json_of(api('GET', "$C?limit=1000&repository_version=$vhref"));
    return join ' ', map { "$_->{relative_path}=" . substr($_->{sha256}, 0, 6) } @{ $l->{results} };
}
sub summary {
    my ($v) = @_;
    my $s = $v->{content_summary};
    return join ' ', map { $_ . '=' . ($s->{$_}{'file.file'}{count} // 0) } qw(added removed present);
}

my ($a, $b, $c) = (unit('a.txt'), unit('b.txt'), unit('dir/c.txt'));
my $res = modify($repo, add => [ $a, $b, $c ]);
is($res->code, 201, 'modify is 201') or diag $res->content;
my $v1 = json_of($res);
is($v1->{number}, 1, 'version 1');
is($v1->{pulp_href}, "$repo->{pulp_href}versions/1/", 'its href');
is(summary($v1), 'added=3 removed=0 present=3', 'content_summary');
like($v1->{content_summary}{present}{'file.file'}{href}, qr{\?repository_version=\Q$v1->{pulp_href}\E$}, 'present href');
is(json_of(api('GET', $v1->{content_summary}{added}{'file.file'}{href}))->{count}, 3, 'added href lists 3');

$res = modify($repo, remove => [$b]);
my $v2 = json_of($res);
is($v2->{number}, 2, 'version 2');
is(summary($v2), 'added=0 removed=1 present=2', 'remove one');

my $a2 = unit('a.txt', "new a $tag\n");
$res = modify($repo, add => [$a2]);
my $v3 = json_of($res);
is(summary($v3), 'added=1 removed=1 present=2', 'same relative_path replaces the old unit');
my $sa = substr(sha256_hex("a.txt $tag\n"), 0, 6);
my $sa2 = substr(sha256_hex("new a $tag\n"), 0, 6);
my $sb = substr(sha256_hex("b.txt $tag\n"), 0, 6);
my $sc = substr(sha256_hex("dir/c.txt $tag\n"), 0, 6);
is(paths_of($v3->{pulp_href}), "$tag/a.txt=$sa2 $tag/dir/c.txt=$sc", 'version 3 content');
is(paths_of($v1->{pulp_href}), "$tag/a.txt=$sa $tag/b.txt=$sb $tag/dir/c.txt=$sc", 'version 1 unchanged');
is(paths_of($v2->{pulp_href}), "$tag/a.txt=$sa $tag/dir/c.txt=$sc", 'version 2 unchanged');

# base_version: version 1's content, diffed against the latest
$res = modify($repo, base => $v1->{pulp_href}, remove => [$c]);
is($res->code, 201, 'modify from base_version') or diag $res->content;
my $v4 = json_of($res);
is($v4->{number}, 4, 'version 4');
is($v4->{base_version}, $v1->{pulp_href}, 'base_version recorded');
is(paths_of($v4->{pulp_href}), "$tag/a.txt=$sa $tag/b.txt=$sb", 'version 4 = version 1 minus c');
is(summary($v4), 'added=2 removed=2 present=2', 'summary against version 3');
is(paths_of($v3->{pulp_href}), "$tag/a.txt=$sa2 $tag/dir/c.txt=$sc", 'version 3 unchanged');

# an empty modify still makes a version
$res = modify($repo);
is(json_of($res)->{number}, 5, 'empty modify makes version 5');
is(paths_of("$repo->{pulp_href}versions/5/"), "$tag/a.txt=$sa $tag/b.txt=$sb", 'with the same content');

# base_version equal to the latest, and a unit both removed and added
$res = modify($repo, base => "$repo->{pulp_href}versions/5/", add => [$c], remove => [$c]);
is($res->code, 201, 'base_version = latest');
my $v6 = json_of($res);
is(summary($v6), 'added=1 removed=0 present=3', 'removed then added: present');
is(paths_of($v6->{pulp_href}), "$tag/a.txt=$sa $tag/b.txt=$sb $tag/dir/c.txt=$sc", 'version 6 content');
$res = modify($repo, add => [$a2], remove => [$a2, $b]);
my $v7 = json_of($res);
is(summary($v7), 'added=1 removed=2 present=2', 'replace a by path, remove b, from the latest');
is(paths_of($v7->{pulp_href}), "$tag/a.txt=$sa2 $tag/dir/c.txt=$sc", 'version 7 content');
$res = modify($repo, base => "$repo->{pulp_href}versions/5/", add => [$a2], remove => [$a2, $b]);
is(paths_of(json_of($res)->{pulp_href}), "$tag/a.txt=$sa2", 'the same from version 5 (an older base) agrees');
is(summary(json_of($res)), 'added=0 removed=1 present=1', 'against version 7');

# errors
my $other = new_repo();
my $d1 = unit('dup.txt', "dup1 $tag");
my $d2 = unit('dup.txt', "dup2 $tag");
$res = modify($repo, add => [ $d1, $d2 ]);
is($res->code, 400, 'two units with one relative_path is 400');
ok(json_of($res)->{add_content_units}, 'names add_content_units');
$res = modify($repo, add => [ "${C}00000000-0000-0000-0000-000000000000/" ]);
is($res->code, 400, 'unknown content is 400');
ok(json_of($res)->{add_content_units}, 'names add_content_units');
$res = modify($repo, remove => [ "${C}00000000-0000-0000-0000-000000000000/" ]);
is($res->code, 400, 'unknown content to remove is 400');
$res = modify($repo, add => [ $repo->{pulp_href} ]);
is($res->code, 400, 'a repository href as content is 400');
$res = modify($repo, base => "$other->{pulp_href}versions/0/");
is($res->code, 400, 'base_version of another repository is 400');
ok(json_of($res)->{base_version}, 'names base_version');
$res = modify($repo, base => "$repo->{pulp_href}versions/99/");
is($res->code, 400, 'unknown base_version is 400');
$res = api('POST', "$repo->{pulp_href}modify/", { add_content_units => $a });
is($res->code, 400, 'a string instead of a list is 400');
ok(json_of($res)->{add_content_units}, 'names the field');
$res = api('POST', "$repo->{pulp_href}modify/", { add_content_units => [1] });
is($res->code, 400, 'a number in the list is 400');
$res = api('POST', "$repo->{pulp_href}modify/", { add => [] });
is($res->code, 400, 'unknown field is 400');
is(json_of(api('GET', $repo->{pulp_href}))->{latest_version_href}, "$repo->{pulp_href}versions/8/",
   'failed modifies made no version');
is(api('GET', "$repo->{pulp_href}modify/")->code, 405, 'GET modify/ is 405');
is(api('POST', API . 'repositories/file/file/00000000-0000-0000-0000-000000000000/modify/', {})->code,
   404, 'modify of an unknown repository is 404');

# versions: list, delete rules
$res = api('GET', $repo->{versions_href});
my $l = json_of($res);
is($l->{count}, 9, 'nine versions');
is_deeply([ map { $_->{number} } @{ $l->{results} } ], [ 8, 7, 6, 5, 4, 3, 2, 1, 0 ], 'newest first');
is(api('DELETE', "$repo->{versions_href}8/")->code, 409, 'the latest version cannot be deleted');
is(api('DELETE', "$repo->{versions_href}0/")->code, 409, 'version 0 cannot be deleted');
is(api('DELETE', "$repo->{versions_href}2/")->code, 204, 'version 2 deleted');
is(api('GET', "$repo->{versions_href}2/")->code, 404, 'gone');
is(paths_of($v3->{pulp_href}), "$tag/a.txt=$sa2 $tag/dir/c.txt=$sc", 'version 3 intact');
is(paths_of($v1->{pulp_href}), "$tag/a.txt=$sa $tag/b.txt=$sb $tag/dir/c.txt=$sc", 'version 1 intact');
$res = api('POST', API . 'publications/file/file/', { repository_version => $v3->{pulp_href} });
is($res->code, 201, 'publish version 3');
$res = api('DELETE', "$repo->{versions_href}3/");
is($res->code, 409, 'a version with a publication cannot be deleted');
like(json_of($res)->{detail} // '', qr/publication/, 'says why');
$res = api('POST', API . 'distributions/file/file/', { name => unique('d'), base_path => unique('modv'), repository_version => $v4->{pulp_href} });
is($res->code, 201, 'a distribution of version 4');
$res = api('DELETE', $v4->{pulp_href});
is($res->code, 409, 'a version a distribution serves cannot be deleted');
like(json_of($res)->{detail} // '', qr/distribution/, 'says why');

# A unit no version holds goes into one only with its file in storage
# (an import makes its units before it places their bytes).
{
    my $sha = sha256_hex("$tag no file");
    psql("INSERT INTO artifact (sha256, size) VALUES ('$sha', 7)");
    my $id = psql("INSERT INTO content (relative_path, sha256) VALUES ('$tag/nofile', '$sha') RETURNING id");
    my $r = modify(new_repo(), add => [ "$C$id/" ]);
    is($r->code, 400, 'a unit with no file in storage is refused');
    like($r->content, qr/add_content_units.*has no file in storage yet/, 'naming the field and why')
        or diag $r->content;
    write_file("$ENV{CKPT_STORAGE}/artifact/" . substr($sha, 0, 2) . '/' . substr($sha, 2), 'x' x 6);
    is(modify(new_repo(), add => [ "$C$id/" ])->code, 400, 'and one whose file has another size');
}

# many units in one modify: set-based, one version
my $big = new_repo();
my $n = 400;
psql("INSERT INTO artifact (sha256, size) SELECT encode(sha256(('$tag' || i)::bytea), 'hex'), 1 FROM generate_series(1, $n) i ON CONFLICT DO NOTHING");
psql("INSERT INTO content (relative_path, sha256) SELECT '$tag/many/' || i, encode(sha256(('$tag' || i)::bytea), 'hex') FROM generate_series(1, $n) i");
# Their files (of one byte, as the rows say): a unit no version holds yet
# goes into one only with its file in storage.
for my $i (1 .. $n) {
    my $sha = sha256_hex("$tag$i");
    write_file("$ENV{CKPT_STORAGE}/artifact/" . substr($sha, 0, 2) . '/' . substr($sha, 2), 'x');
}
my @ids = split /\n/, psql("SELECT id FROM content WHERE relative_path LIKE '$tag/many/%'");
is(scalar @ids, $n, "$n units made");
$res = modify($big, add => [ map { "$C$_/" } @ids ]);
is($res->code, 201, "$n units in one modify") or diag $res->content;
is(summary(json_of($res)), "added=$n removed=0 present=$n", 'all present');
$res = modify($big, remove => [ map { "$C$_/" } @ids[0 .. 99] ]);
is(summary(json_of($res)), "added=0 removed=100 present=" . ($n - 100), 'remove 100');
is(psql("SELECT count(*) FROM repository_content rc JOIN repository r ON r.id = rc.repository_id WHERE r.name = '$big->{name}'"),
   $n, 'membership rows grow with change only');

# concurrent modifies serialize
my $conc = new_repo();
my @units = map { unit("c$_.txt") } 1 .. 5;
my @pids;
for my $u (@units) {
    my $pid = fork // die;
    if (!$pid) {
        my $r = modify($conc, add => [$u]);
        require POSIX; POSIX::_exit($r->code == 201 ? 0 : 1);
    }
    push @pids, $pid;
}
my $fails = 0;
for (@pids) { waitpid $_, 0; $fails++ if $? }
is($fails, 0, 'five concurrent modifies all succeed');
$res = api('GET', $conc->{pulp_href});
is(json_of($res)->{latest_version_href}, "$conc->{pulp_href}versions/5/", 'five versions');
is(summary(json_of(api('GET', "$conc->{pulp_href}versions/5/"))), 'added=1 removed=0 present=5', 'all five units present');

done_testing();
