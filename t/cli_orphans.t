use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use lib 't/lib';
use CkptTest;
use CkptFixture qw(fx_file);

# `checkpoint orphans cleanup`, the command cron runs (issue 9, defect 5):
# the same cleanup as POST orphans/cleanup/, from the same core, against
# the database and the storage directly.
my $cli = $ENV{CKPT_CLI} // '';
ok(-x $cli, 'the checkpoint command is built') or BAIL_OUT("no checkpoint command at '$cli'");
my $S = $ENV{CKPT_STORAGE};
my $tag = unique('cli');

sub run {
    my (@args) = @_;
    my $out = `"$cli" @args 2>&1`;
    return ($? >> 8, $out);
}
# An artifact file with no row, written two minutes ago.
sub stray {
    my ($bytes) = @_;
    my $sha = sha256_hex($bytes);
    return fx_file("$S/artifact/" . substr($sha, 0, 2) . '/' . substr($sha, 2), $bytes, 120);
}

my $unit = json_of(upload("cli loose $tag\n", relative_path => "$tag/loose"));
my $f1 = stray("cli stray one $tag\n");
my ($rc, $out) = run('--database', "'$ENV{CKPT_CONNINFO}'", '--storage', "'$S'", 'orphans', 'cleanup',
                     '--protection-time', '1');
is($rc, 0, 'orphans cleanup with --database and --storage') or diag $out;
like($out, qr/artifact_files_removed\D+[1-9]/, 'says what it removed') or diag $out;
ok(!-e $f1, 'a file no row names is gone (older than a minute)');
is(api('GET', $unit->{pulp_href})->code, 200, 'a unit younger than the protection time stays');

($rc, $out) = run('--database', "'$ENV{CKPT_CONNINFO}'", '--storage', "'$S'", 'orphans', 'cleanup',
                  '--protection-time', '0');
is($rc, 0, 'orphans cleanup --protection-time 0') or diag $out;
is(api('GET', $unit->{pulp_href})->code, 404, 'removes the loose unit');

# The server's own configuration: CheckpointDatabase and CheckpointStorage
# are found through its Include lines.
my $conf = Apache::Test::vars('t_conf') . '/httpd.conf';
my $f2 = stray("cli stray two $tag\n");
($rc, $out) = run('--config', "'$conf'", 'orphans', 'cleanup', '--protection-time', '0');
is($rc, 0, 'orphans cleanup --config httpd.conf') or diag $out;
ok(!-e $f2, 'with the database and storage the configuration names');

# Failures: a clear message and a non-zero exit.
($rc, $out) = run('orphans', 'cleanup');
isnt($rc, 0, 'no database given: fails');
like($out, qr/--database|--config|CheckpointDatabase/, 'and says what is missing') or diag $out;
($rc, $out) = run('--database', "'host=/nonexistent dbname=none connect_timeout=2'", '--storage', "'$S'",
                  'orphans', 'cleanup');
isnt($rc, 0, 'a database that cannot be reached: fails');
like($out, qr/database/i, 'and says so') or diag $out;
($rc, $out) = run('--database', "'$ENV{CKPT_CONNINFO}'", '--storage', "'$S'", 'orphans', 'cleanup',
                  '--protection-time', '-3');
isnt($rc, 0, 'a negative protection time: fails');
like($out, qr/protection/, 'and says why') or diag $out;
($rc, $out) = run('frobnicate');
isnt($rc, 0, 'an unknown command: fails');
like($out, qr/usage/i, 'with the usage') or diag $out;
($rc, $out) = run('--config', "'/nonexistent/httpd.conf'", 'orphans', 'cleanup');
isnt($rc, 0, 'a configuration file that is not there: fails');
like($out, qr{/nonexistent/httpd\.conf}, 'naming it') or diag $out;
($rc, $out) = run('--version');
is($rc, 0, '--version');
like($out, qr/^checkpoint \d+\.\d+/, 'prints the version');

done_testing();
