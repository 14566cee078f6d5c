use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use File::Path qw(make_path remove_tree);
use JSON::PP ();
use POSIX ();
use lib 't/lib';
use CkptTest;

# A real apt repository (issue 10): a package built with dpkg-deb, indexed
# with dpkg-scanpackages, imported with `checkpoint import --checkpoint`,
# then installed with the host's own apt-get from the checkpoint's URL.
# apt-get runs chroot-free: its lists, cache and dpkg database live in a
# directory of their own (dpkg --root), so the host's are never touched.
for my $tool (qw(apt-get dpkg-deb dpkg-scanpackages)) {
    plan(skip_all => "$tool is not installed") unless grep { -x "$_/$tool" } split /:/, $ENV{PATH};
}
my $cli = $ENV{CKPT_CLI} // '';
my $tag = unique('apt');
my $work = Apache::Test::vars('documentroot') . "/$tag";
my $repo = "$work/repo";
my $w = "$work/apt";
make_path("$work/pkg/DEBIAN", "$work/pkg/usr/share/ckpt-ingest-hello", "$repo/pool/main",
          map { "$w/$_" } qw(state/lists/partial cache/archives/partial root/var/lib/dpkg/info
                             root/var/lib/dpkg/updates root/var/lib/dpkg/triggers));

sub sh { my ($cmd) = @_; my $out = `$cmd 2>&1`; return ($? >> 8, $out) }

write_file("$work/pkg/DEBIAN/control", "Package: ckpt-ingest-hello\nVersion: 1.0\nArchitecture: all\n"
    . "Maintainer: mod_checkpoint <root\@localhost>\nDescription: the apt test of checkpoint import\n");
write_file("$work/pkg/usr/share/ckpt-ingest-hello/hello", "hello from $tag\n");
my ($rc, $out) = sh("dpkg-deb --build --root-owner-group '$work/pkg' '$repo/pool/main/ckpt-ingest-hello_1.0_all.deb'");
is($rc, 0, 'dpkg-deb builds the package') or diag $out;
($rc, $out) = sh("cd '$repo' && dpkg-scanpackages -m pool /dev/null 2>/dev/null > Packages && gzip -9nk Packages");
is($rc, 0, 'dpkg-scanpackages indexes it') or diag $out;
my $release = "Origin: ckpt\nLabel: ckpt\nSuite: stable\nDate: "
    . POSIX::strftime('%a, %d %b %Y %H:%M:%S UTC', gmtime) . "\nSHA256:\n";
for my $f (qw(Packages Packages.gz)) {
    open(my $fh, '<:raw', "$repo/$f") or die;
    my $bytes = do { local $/; <$fh> };
    $release .= sprintf(" %s %d %s\n", sha256_hex($bytes), length $bytes, $f);
}
write_file("$repo/Release", $release);

($rc, $out) = sh(join ' ', map { "'$_'" } $cli, '--database', $ENV{CKPT_CONNINFO}, '--storage',
                 $ENV{CKPT_STORAGE}, 'import', $tag, $repo, '--create', '--checkpoint', '--json');
is($rc, 0, 'checkpoint import --create --checkpoint') or diag $out;
my $ts = (eval { JSON::PP::decode_json($out) } // {})->{checkpoint} // '';
like($ts, qr/^\d{8}T\d{6}Z$/, 'a checkpoint') or diag $out;

my $href = psql("SELECT '" . API . "repositories/file/file/' || id || '/' FROM repository WHERE name = '$tag'");
is(api('POST', API . 'distributions/file/file/', { name => $tag, base_path => $tag,
    repository => $href, checkpoint => JSON::PP::true() })->code, 201, 'a checkpoint distribution');

write_file("$w/sources.list", "deb [trusted=yes] http://" . hostport() . "/pulp/content/$tag/$ts/ ./\n");
write_file("$w/root/var/lib/dpkg/status", '');
my $apt = join ' ', 'apt-get -q', map { "-o '$_'" }
    "Dir::Etc::SourceList=$w/sources.list", 'Dir::Etc::SourceParts=/nonexistent',
    "Dir::State=$w/state", "Dir::State::status=$w/root/var/lib/dpkg/status", "Dir::Cache=$w/cache",
    "Dir::Log=$w", 'Debug::NoLocking=1', 'APT::Sandbox::User=root', 'Acquire::Retries=0',
    "DPkg::Options::=--root=$w/root", "DPkg::Options::=--log=$w/dpkg.log",
    'DPkg::Options::=--force-script-chrootless', 'DPkg::Options::=--force-not-root';
($rc, $out) = sh("$apt update");
is($rc, 0, "apt-get update from the checkpoint $ts") or diag $out;
unlike($out, qr/^(?:Err|W:|E:)/m, 'without an error or a warning') or diag $out;
($rc, $out) = sh("$apt install -y --no-install-recommends ckpt-ingest-hello");
is($rc, 0, 'apt-get install ckpt-ingest-hello') or diag $out;
open(my $fh, '<', "$w/root/usr/share/ckpt-ingest-hello/hello");
is($fh ? scalar <$fh> : '', "hello from $tag\n", 'installs the bytes that were imported');

remove_tree($work);
done_testing();
