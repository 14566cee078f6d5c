use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use File::Temp qw(tempdir);
use Time::HiRes qw(sleep);
use lib 't/lib';
use CkptTest;
use CkptFixture qw(fx_file);

# Issue 9, defect 5: orphan cleanup, as Pulp's POST orphans/cleanup/.
# Content no version holds, artifacts nothing names (rows and files),
# files no row names and abandoned temporary files go, once older than
# orphan_protection_time (minutes); an upload in flight never does.
my $O = API . 'orphans/cleanup/';
my $tag = unique('orph');
my $S = $ENV{CKPT_STORAGE};

sub artifact_file { my ($sha) = @_; "$S/artifact/" . substr($sha, 0, 2) . '/' . substr($sha, 2) }

# What stays: a unit in a version, and a publication's manifest.
my $repo = new_repo();
my $kept = "kept $tag\n";
is(upload($kept, relative_path => "$tag/kept", repository => $repo->{pulp_href})->code, 201, 'a unit in a version');
my $pub = json_of(api('POST', API . 'publications/file/file/', { repository => $repo->{pulp_href} }));
my ($pid) = $pub->{pulp_href} =~ m{/([0-9a-f-]{36})/$};
my $msha = psql("SELECT manifest_sha256 FROM publication WHERE id = '$pid'");

# What goes: a unit in no version, ...
my $loose = "loose $tag\n";
my $unit = json_of(upload($loose, relative_path => "$tag/loose"));
# ... a unit that was in a version that is gone (its artifact too), ...
my $gone = "gone $tag\n";
my $r2 = new_repo(retain_repo_versions => 1);
upload($gone, relative_path => "$tag/gone", repository => $r2->{pulp_href});
upload("other $tag\n", relative_path => "$tag/other", repository => $r2->{pulp_href});
modify($r2, remove => [ json_of(api('GET', API . "content/file/files/?relative_path=$tag/gone"))->{results}[0]{pulp_href} ]);
# ... an artifact row and file no content names, ...
my $lone = "lone artifact $tag\n";
my $lone_sha = sha256_hex($lone);
fx_file(artifact_file($lone_sha), $lone, 600);
psql("INSERT INTO artifact (sha256, size) VALUES ('$lone_sha', " . length($lone) . ")");
# ... a file in storage no row names, ...
my $stray = "stray file $tag\n";
my $stray_sha = sha256_hex($stray);
fx_file(artifact_file($stray_sha), $stray, 600);
# ... and a temporary file a killed upload left behind.
fx_file("$S/tmp/upload.$tag", "partial", 600);

# An upload in flight: its temporary file is written slowly meanwhile.
my $dir = tempdir(CLEANUP => 1);
my $flight = "in flight $tag\n" x 2000;
open my $fh, '>', "$dir/flight" or die;
print $fh $flight;
close $fh;
my $cpid = slow_upload("$dir/flight", "$tag/flight", '8k');
my @in_flight;
for (1 .. 50) { @in_flight = tmp_files(); last if grep { !/\Q$tag\E/ } @in_flight; sleep 0.1 }
@in_flight = grep { !/\Q$tag\E/ } @in_flight;
is(scalar @in_flight, 1, 'the upload in flight has its temporary file');
sleep 1.1; # so that even its temporary file is older than a protection time of 0

# Protected: the default protection time (a day) spares all of it.
my $res = api('POST', $O, {});
is($res->code, 200, 'cleanup with the default protection time') or diag $res->content;
is(json_of($res)->{orphan_protection_time}, 1440, 'a day, as Pulp');
is(json_of($res)->{content_removed}, 0, 'removes no fresh content');
is(api('GET', $unit->{pulp_href})->code, 200, 'the loose unit is still there');

$res = api('POST', $O, { orphan_protection_time => 0 });
is($res->code, 200, 'cleanup with no protection') or diag $res->content;
my $sum = json_of($res) // {};
cmp_ok($sum->{content_removed}, '>=', 2, 'removes the units no version holds');
cmp_ok($sum->{artifacts_removed}, '>=', 3, 'and the artifacts nothing names');
cmp_ok($sum->{artifact_files_removed}, '>=', 1, 'and files no row names');
cmp_ok($sum->{temporary_files_removed}, '>=', 1, 'and abandoned temporary files');
cmp_ok($sum->{bytes_freed}, '>', 0, 'and says how many bytes');

is(api('GET', $unit->{pulp_href})->code, 404, 'the loose unit is gone');
ok(!-e artifact_file(sha256_hex($loose)), 'with its file');
ok(!-e artifact_file(sha256_hex($gone)), 'the unit of a deleted version is gone with its file');
ok(!-e artifact_file($lone_sha), 'the lone artifact file is gone');
is(psql("SELECT count(*) FROM artifact WHERE sha256 = '$lone_sha'"), 0, 'and its row');
ok(!-e artifact_file($stray_sha), 'the stray file is gone');
ok(!-e "$S/tmp/upload.$tag", 'the abandoned temporary file is gone');
ok(-e $in_flight[0], 'the upload in flight keeps its temporary file');
ok(-e artifact_file(sha256_hex($kept)), 'a unit in a version keeps its file');
ok(-e artifact_file($msha), 'a publication keeps its manifest');
is(json_of(api('GET', "$repo->{versions_href}1/"))->{content_summary}{present}{'file.file'}{count}, 1,
   'and the version its unit');

is(slow_upload_code($cpid), 201, 'the upload in flight completes');
ok(-e artifact_file(sha256_hex($flight)), 'and its file is in storage');

# Requests
for my $bad ([ { orphan_protection_time => -1 }, 'orphan_protection_time' ],
             [ { orphan_protection_time => 'x' }, 'orphan_protection_time' ],
             [ { content_hrefs => [] }, 'content_hrefs' ]) {
    $res = api('POST', $O, $bad->[0]);
    is($res->code, 400, "$bad->[1]: 400");
    ok(exists((json_of($res) // {})->{ $bad->[1] }), "names $bad->[1]") or diag $res->content;
}
is(api('GET', $O)->code, 405, 'GET is 405');
is(anon_ua()->post('http://' . hostport() . $O)->code, 401, 'it needs credentials');

done_testing();
