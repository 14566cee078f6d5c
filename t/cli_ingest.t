use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use File::Path qw(make_path remove_tree);
use POSIX ();
use JSON::PP ();
use lib 't/lib';
use CkptTest;

# `checkpoint import` and `checkpoint sync` (issue 10): a tree becomes one
# version; an unchanged tree none; what cannot be stored is refused and
# leaves the repository as it was; a kill leaves nothing half-done.
my $cli = $ENV{CKPT_CLI} // '';
ok(-x $cli, 'the checkpoint command is built') or BAIL_OUT("no checkpoint command at '$cli'");
my $S = $ENV{CKPT_STORAGE};
my $tag = unique('ingest');
my $docroot = Apache::Test::vars('documentroot');
my $work = "$docroot/$tag";   # trees and remotes, served by the test server
our @global = ('--database', $ENV{CKPT_CONNINFO}, '--storage', $S);

sub run {
    my (@args) = @_;
    my $pid = open(my $fh, '-|') // die "fork: $!";
    if (!$pid) {
        open(STDERR, '>&', \*STDOUT);
        exec($cli, @global, @args) or POSIX::_exit(127);
    }
    my $out = do { local $/; <$fh> } // '';
    close $fh;
    return ($? >> 8, $out);
}
# The command's --json summary ({} when it printed none).
sub summary { my ($out) = @_; return eval { JSON::PP::decode_json($out) } // {} }
sub tree {
    my ($name, %files) = @_;
    my $d = "$work/$name";
    remove_tree($d);
    make_path($d);
    write_file("$d/$_", $files{$_}) for keys %files;
    return $d;
}
sub latest {
    my ($repo) = @_;
    return psql("SELECT latest_number FROM repository WHERE name = '$repo'");
}
sub present {
    my ($repo) = @_;
    return join(' ', map { s/\|/=/r } split /\n/, psql(
        "SELECT rc.relative_path || '|' || rc.size FROM repository_content rc JOIN repository r"
        . " ON r.id = rc.repository_id WHERE r.name = '$repo' AND rc.version_removed IS NULL"
        . " ORDER BY 1"));
}
sub mine_in_tmp { scalar grep { m{/(?:upload|link|manifest|spool)\.} } tmp_files() }

# Runs the command (args) until a temporary file of it is in storage (a
# staged file, a manifest or a download: the run's spool is there from its
# start), then SIGTERM: it fails, repository repo has no version, and
# nothing of it is left in storage.
sub killed_midway {
    my ($what, $caught, $repo, @args) = @_;
    my $pid = fork() // die;
    if (!$pid) {
        open(STDOUT, '>', '/dev/null');
        open(STDERR, '>', '/dev/null');
        exec($cli, @global, @args) or POSIX::_exit(127);
    }
    my $seen = 0;
    for (1 .. 400) {
        last if ($seen = scalar grep { m{/(?:upload|link|manifest)\.} } tmp_files()) > 0
            || waitpid($pid, POSIX::WNOHANG()) != 0;
        select(undef, undef, undef, 0.02);
    }
    kill 'TERM', $pid;
    waitpid($pid, 0);
    ok($seen, "the $what was caught in the middle ($caught)");
    isnt($? >> 8, 0, "a killed $what fails");
    is(latest($repo) || 0, 0, 'and made no version');
    is(mine_in_tmp(), 0, 'and left no temporary file in storage');
}

# Starts the command (args, after the global ones it is given: database
# and storage) with its output in log and log.err, and stops it (SIGSTOP)
# as soon as a staged file of its own is in storage (one that was not
# there before it started: it is hashing).  Answers its pid, whether it
# was caught so, whether it had ended first, and then its exit status.
sub stopped_while_hashing {
    my ($log, @args) = @_;
    my %before = map { ($_ => 1) } tmp_files();
    my $pid = fork() // die;
    if (!$pid) {
        open(STDOUT, '>', $log);
        open(STDERR, '>', "$log.err");
        exec($cli, @args) or POSIX::_exit(127);
    }
    my ($seen, $ended, $status) = (0, 0, -1);
    for (1 .. 1000) {
        last if ($seen = scalar grep { m{/upload\.} && !$before{$_} } tmp_files()) > 0;
        if (waitpid($pid, POSIX::WNOHANG()) != 0) { ($ended, $status) = (1, $?); last }
        select(undef, undef, undef, 0.01);
    }
    kill 'STOP', $pid unless $ended;
    return ($pid, $seen, $ended, $status);
}
sub slurp { my ($f) = @_; return do { local (@ARGV, $/) = ($f); <> } // '' }

# --- import: mirror, unchanged, changes, additive -------------------------
my $repo = "$tag-a";
my %t = ('a/one' => "one\n", 'a/two' => "two two\n", 'b/c/three' => "3\n", 'top' => '');
my $dir = tree('tree', %t);
symlink('a/one', "$dir/alias") or die;
my ($rc, $out) = run('import', $repo, $dir);
isnt($rc, 0, 'import into a repository that is not there fails');
like($out, qr/no repository named/, 'and says --create') or diag $out;

($rc, $out) = run('import', $repo, $dir, '--create', '--checkpoint', '--json');
is($rc, 0, 'import --create --checkpoint') or diag $out;
my $j = summary($out);
is($j->{version}, 1, 'one new version');
is($j->{files}, 5, 'every regular file, and a symlink that stays inside');
like($j->{checkpoint} // '', qr/^\d{8}T\d{6}Z$/, 'and a checkpoint');
is(present($repo), 'a/one=4 a/two=8 alias=4 b/c/three=2 top=0', 'the version holds exactly the tree');

my $dist = json_of(api('POST', API . 'distributions/file/file/',
    { name => $tag, base_path => $tag, repository => psql("SELECT '" . API
      . "repositories/file/file/' || id || '/' FROM repository WHERE name = '$repo'"),
      checkpoint => JSON::PP::true() }));
my $res = Apache::TestRequest::GET("/pulp/content/$tag/$j->{checkpoint}/a/two");
is($res->code, 200, 'the checkpoint serves the imported file');
is($res->content, "two two\n", 'with its bytes');

($rc, $out) = run('import', $repo, $dir, '--checkpoint');
is($rc, 0, 'import of the unchanged tree') or diag $out;
like($out, qr/unchanged \(no new version\)/, 'says nothing changed') or diag $out;
like($out, qr/ 0 hashed/, 'and hashed nothing (the import state vouched)') or diag $out;
is(latest($repo), 1, 'no new version');

write_file("$dir/a/two", "TWO\n");
unlink("$dir/top");
write_file("$dir/new/file", "new\n");
($rc, $out) = run('import', $repo, $dir, '--json');
is($rc, 0, 'import of a changed tree') or diag $out;
$j = summary($out);
is_deeply([@$j{qw(version changed removed hashed)}], [2, 2, 1, 2],
          'one version: exactly the changed and the gone files') or diag $out;
is(present($repo), 'a/one=4 a/two=4 alias=4 b/c/three=2 new/file=4', 'mirror: the tree, no more');

my $extra = tree('extra', 'x/y' => "why\n");
($rc, $out) = run('import', $repo, $extra, '--additive');
is($rc, 0, 'import --additive') or diag $out;
is(present($repo), 'a/one=4 a/two=4 alias=4 b/c/three=2 new/file=4 x/y=4',
   'additive: the tree over the latest version');
($rc, $out) = run('import', $repo, $dir, '--verify');
is($rc, 0, 'import --verify (mirror again)') or diag $out;
like($out, qr/ 5 hashed/, '--verify hashes every file') or diag $out;
is(present($repo), 'a/one=4 a/two=4 alias=4 b/c/three=2 new/file=4', 'and x/y leaves');

# The import state is the mtime an import saw, on the latest version's row
# of each file: a file touched (its bytes the same) is hashed once and
# makes no version, and is vouched for again after; a file whose row the
# API took out is hashed again, its size and mtime the same.
my $touched = (stat("$dir/b/c/three"))[9] + 60;
utime($touched, $touched, "$dir/b/c/three") or die "utime: $!";
for my $want ([1, 'a touched file is hashed, and makes no version'], [0, 'and is vouched for after']) {
    ($rc, $out) = run('import', $repo, $dir, '--json');
    $j = summary($out);
    is_deeply([@$j{qw(version hashed changed removed)}], [undef, $want->[0], 0, 0], $want->[1])
        or diag $out;
}
my $rid = psql("SELECT id FROM repository WHERE name = '$repo'");
my $one = psql("SELECT content_id FROM repository_content WHERE repository_id = '$rid'"
    . " AND relative_path = 'b/c/three' AND version_removed IS NULL");
is(modify({ pulp_href => API . "repositories/file/file/$rid/" },
          remove => [API . "content/file/files/$one/"])->code, 201, 'the API takes b/c/three out');
my $by_api = latest($repo);
($rc, $out) = run('import', $repo, $dir, '--json');
$j = summary($out);
is_deeply([@$j{qw(version hashed changed removed)}], [$by_api + 1, 1, 1, 0],
          'an import hashes it again and puts it back') or diag $out;
# The API puts other bytes of the same size there: its row has no mtime,
# so the file is hashed again, although size and mtime are as the last
# import saw them, and the import brings the file's bytes back.
my $other3 = upload("Y\n", relative_path => 'b/c/three');
is($other3->code, 201, 'a unit of other bytes at b/c/three, uploaded') or diag $other3->content;
is(modify({ pulp_href => API . "repositories/file/file/$rid/" },
          add => [json_of($other3)->{pulp_href}])->code, 201, 'the API puts it in the version');
my $by_api2 = latest($repo);
($rc, $out) = run('import', $repo, $dir, '--json');
$j = summary($out);
is_deeply([@$j{qw(version hashed changed removed)}], [$by_api2 + 1, 1, 1, 0],
          'an import hashes the file again and puts its bytes back') or diag $out;
is(psql("SELECT sha256 FROM repository_content WHERE repository_id = '$rid'"
        . " AND relative_path = 'b/c/three' AND version_removed IS NULL"), sha256_hex("3\n"),
   'the file\'s digest, not the API\'s');

# --- a tree of more than two batches (CKPT_INGEST_BATCH, 4096) --------------
# The walk reaches the run's table a batch at a time and is hashed and
# placed a batch at a time in path order: changes at both ends and in the
# middle, and bytes shared by paths in different batches, come out right.
my $n = 2 * 4096 + 5;
my %many = map { (sprintf('m/%02d/f%05d', $_ % 37, $_) => 'bytes ' . ($_ % 50) . "\n") } 1 .. $n;
my $mdir = tree('many', %many);
($rc, $out) = run('import', "$tag-m", $mdir, '--create', '--json');
is($rc, 0, "import of $n files") or diag $out;
$j = summary($out);
is_deeply([@$j{qw(version files hashed changed stored)}], [1, $n, $n, $n, $n],
          'one version of every file, each hashed once') or diag $out;
is(scalar(split ' ', present("$tag-m")), $n, 'the version holds them all');
is(psql("SELECT count(DISTINCT sha256) FROM repository_content rc JOIN repository r ON"
        . " r.id = rc.repository_id WHERE r.name = '$tag-m'"), 50, 'fifty distinct digests');
my @paths = sort keys %many;
write_file("$mdir/$_", "changed $_\n") for @paths[0, 4096, $#paths];
unlink("$mdir/$paths[5000]") or die;
write_file("$mdir/m/zz/last", "last\n");
($rc, $out) = run('import', "$tag-m", $mdir, '--json');
$j = summary($out);
is_deeply([@$j{qw(version changed removed hashed)}], [2, 4, 1, 4],
          'three changed across the batches, one gone, one new') or diag $out;
is(scalar(split ' ', present("$tag-m")), $n, 'and the version has as many files');
my $mid = $paths[4096];
like(present("$tag-m"), qr{\Q$mid\E=\d+ .*m/zz/last=5}, 'among them the changed and the new');
($rc, $out) = run('import', "$tag-m", $mdir, '--json');
$j = summary($out);
is_deeply([@$j{qw(version hashed changed removed)}], [undef, 0, 0, 0],
          'again: no version, nothing hashed') or diag $out;
is(psql("SELECT count(rc.import_mtime) FROM repository_content rc JOIN repository r"
        . " ON r.id = rc.repository_id WHERE r.name = '$tag-m' AND rc.version_removed IS NULL"),
   $n, 'the import state: an mtime on every open row');

# --- a version made through the API while an import hashes ----------------
# An import records what changes as it hashes, against the latest version
# it began with, and its commit trusts that only while that version is
# still the latest.  Here the import is stopped in its hashing while the
# API makes a version without a file the tree holds unchanged (w/00001)
# and with one of the files the tree brings (z/06000, the same bytes, in
# the last batch: no lease of the import's touches it while stopped):
# the import's version still holds exactly the tree (w/00001 back) and
# counts as changed exactly what differs from the API's version.  (Here
# z/06000's batch is compared after the API's version is made;
# tests/test_ingest.c makes it after every batch is recorded, so that
# flags go both ways at the commit.)
{
    my $r = "$tag-meanwhile";
    my %old = map { (sprintf('w/%05d', $_) => "old $_ $tag\n") } 1 .. 10;
    my $wdir = tree('meanwhile', %old);
    ($rc, $out) = run('import', $r, $wdir, '--create');
    is($rc, 0, 'meanwhile: a first import') or diag $out;
    my $nnew = 6000;   # more than a batch: still hashing when stopped
    write_file("$wdir/" . sprintf('z/%05d', $_), "new $_ $tag\n") for 1 .. $nnew;
    my $href = { pulp_href => API . 'repositories/file/file/'
                 . psql("SELECT id FROM repository WHERE name = '$r'") . '/' };
    my $w1 = API . 'content/file/files/' . psql("SELECT content_id FROM repository_content rc"
        . " JOIN repository r ON r.id = rc.repository_id WHERE r.name = '$r'"
        . " AND rc.relative_path = 'w/00001' AND rc.version_removed IS NULL") . '/';
    my $up = upload("new $nnew $tag\n", relative_path => sprintf('z/%05d', $nnew));
    is($up->code, 201, 'meanwhile: a unit of the same bytes as a new file, uploaded') or diag $up->content;
    my $z1 = json_of($up)->{pulp_href};
    my $log = "$work/meanwhile.out";
    my ($pid, $seen, $ended, $status) =
        stopped_while_hashing($log, @global, 'import', $r, $wdir, '--json');
    # Staged files are also there while the commit places them, holding
    # the repository's row: then the API would wait for the stopped run.
    my $free = !$ended && psql("SELECT 'free' FROM repository WHERE name = '$r'"
                               . " FOR UPDATE NOWAIT") eq 'free';
    ok($seen && $free, 'meanwhile: the import was stopped while it hashed')
        or diag($ended ? 'it ended first' : 'it was committing');
    my $m = $free ? modify($href, add => [$z1], remove => [$w1]) : undef;
    kill 'CONT', $pid unless $ended;
    is($m ? $m->code : 0, 201, 'meanwhile: the API made a version') or diag($m && $m->content);
    $status = waitpid($pid, 0) == $pid ? $? : -1 unless $ended;
    is($status, 0, 'meanwhile: the import goes on to the end');
    $out = slurp($log);
    $j = summary($out);
    is_deeply([@$j{qw(version changed removed)}], [3, $nnew, 0],
              'on top of the API\'s version: every new file but the one it added, and'
              . ' the file it removed, back') or diag $out;
    my @want = sort(keys %old, map { sprintf('z/%05d', $_) } 1 .. $nnew);
    my $got = join(' ', map { s/=\d+$//r } split ' ', present($r));
    ok($got eq join(' ', @want), 'meanwhile: the version holds exactly the tree')
        or diag(($got =~ /\bw\/00001\b/ ? '' : 'w/00001 missing; ') . scalar(split ' ', $got) . ' files');
    is(psql("SELECT count(*) FROM repository_content rc JOIN repository r ON r.id = rc.repository_id"
            . " WHERE r.name = '$r' AND rc.relative_path = 'z/0$nnew'"), 1,
       'meanwhile: the file the API added is not replaced by itself');
}

# --- the leases' connection: a second one, and its loss survived ---------------
# An import settles each batch on two connections at once: the leases on
# one, the record on the other (the one holding the repository's lock).
# Stopped while it hashes, its lease connection is dropped by the server:
# the next batch's lease transaction makes the connection again, and the
# run ends with exactly the tree, every new unit leased.
{
    my $r = "$tag-lc";
    my $app = "$tag-lc";
    my $ldir = tree('leaseconn', map { (sprintf('q/%05d', $_) => "lease conn $_ $tag\n") } 1 .. 9000);
    my $log = "$work/leaseconn.out";
    my ($pid, $seen, $ended) = stopped_while_hashing(
        $log, '--database', "$ENV{CKPT_CONNINFO} application_name=$app", '--storage', $S,
        'import', $r, $ldir, '--create', '--json');
    my $main = $ended ? '' : psql("SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
        . " WHERE a.application_name = '$app' AND l.locktype = 'advisory' AND l.classid = 10"
        . " AND l.objsubid = 2 AND l.granted");
    my $backends = $ended ? 0 : psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = '$app'");
    # The lease connection: the one of the two not holding the run's lock.
    my $lease = $main =~ /^\d+$/ ? psql("SELECT a.pid FROM pg_stat_activity a"
        . " WHERE a.application_name = '$app' AND a.pid <> $main") : '';
    my $dropped = $lease =~ /^\d+$/
        ? psql("SELECT pg_terminate_backend($lease)") : '';
    kill 'CONT', $pid unless $ended;
    # The next batch's leases make their connection again: a third backend
    # of the run, while it goes on (a run that never used its second
    # connection would make none).
    my ($again, $status) = ('', -1);
    for (1 .. 2000) {
        last if $ended;
        $again = psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = '$app'"
                      . " AND pid NOT IN ($main, $lease)") if $dropped eq 't' && !$again;
        if (waitpid($pid, POSIX::WNOHANG()) != 0) { $status = $?; last }
        select(undef, undef, undef, 0.01);
    }
    $status = waitpid($pid, 0) == $pid ? $? : -1 if $status == -1 && !$ended;
    ok($seen && !$ended, 'lease connection: the import was stopped while it hashed');
    is($backends, 2, 'lease connection: the import holds two connections');
    is($dropped, 't', 'lease connection: the server dropped the one without the lock')
        or diag "run's backend '$main', lease backend '$lease'";
    is($again, 1, 'lease connection: made again by the next batch\'s leases');
    my $out = slurp($log);
    is($status, 0, 'lease connection: the import goes on to the end') or diag $out . slurp("$log.err");
    my $j = summary($out);
    is_deeply([@$j{qw(version changed)}], [1, 9000], 'lease connection: one version of every file')
        or diag $out;
    is(scalar(split ' ', present($r)), 9000, 'lease connection: the version holds the whole tree');
    is(psql("SELECT count(*) FROM content c JOIN repository_content rc ON rc.content_id = c.id"
            . " JOIN repository r ON r.id = rc.repository_id WHERE r.name = '$r'"
            . " AND c.timestamp_of_interest > now() + interval '30 minutes'"), 9000,
       'lease connection: every unit was leased an hour ahead');
    is(mine_in_tmp(), 0, 'lease connection: nothing left in tmp');
}

# --- --link: the same inode in storage --------------------------------------
my $ldir = tree('linked', 'l/one' => "linked bytes $tag\n");
($rc, $out) = run('import', "$tag-l", $ldir, '--create', '--link');
is($rc, 0, 'import --link') or diag $out;
my $lsha = sha256_hex("linked bytes $tag\n");
my $stored = "$S/artifact/" . substr($lsha, 0, 2) . '/' . substr($lsha, 2);
is((stat $stored)[1] // -1, (stat "$ldir/l/one")[1], 'the stored file is a hard link of the tree\'s');

# --- what cannot be imported: refused, nothing changes ---------------------
my $before = latest($repo);
my %bad = (
    'a symlink that leaves the directory' => sub { symlink('/etc/passwd', "$_[0]/out") },
    'a fifo' => sub { POSIX::mkfifo("$_[0]/fifo", 0600) },
    'a name that is not UTF-8' => sub { write_file("$_[0]/bad\xff\xfe", 'x') },
    'a name with a backslash' => sub { write_file("$_[0]/back\\slash", 'x') },
);
for my $what (sort keys %bad) {
    my $d = tree('bad', 'ok' => "fine\n");
    $bad{$what}->($d);
    ($rc, $out) = run('import', $repo, $d);
    isnt($rc, 0, "$what: refused");
    like($out, qr{\Q$d\E/}, "$what: the message names the file") or diag $out;
}
is(latest($repo), $before, 'no version from any refused tree');

# --- one run per repository at a time --------------------------------------
my $id = psql("SELECT id FROM repository WHERE name = '$repo'");
my $holder = open(my $hold, '-|', 'psql', $ENV{CKPT_CONNINFO}, '-XAtq', '-c',
                  "SELECT pg_advisory_lock(10, hashtext('$id'))", '-c', 'SELECT pg_sleep(4)');
sleep 1;
($rc, $out) = run('import', $repo, $dir);
isnt($rc, 0, 'a second run on the same repository is refused');
like($out, qr/another import or sync/, 'clearly') or diag $out;
kill 'TERM', $holder;
close $hold;

# --- interruption: no version, no temporary file ---------------------------
my %big = map { sprintf('big/%03d', $_) => ("$_" . ('x' x (2 << 20))) } 1 .. 40;
my $bigdir = tree('big', %big);
killed_midway('import', 'its files staged', "$tag-kill", 'import', "$tag-kill", $bigdir, '--create');

# --- placing fails: the commit waits for it and rolls back -----------------
# The staged files are put in place on a thread of their own while the
# commit's statements run; the transaction waits for it before COMMIT.  A
# directory where one digest's file goes makes its rename fail: the run
# fails naming it, makes no version, and leaves no staged file (nor its
# spool) in storage; once the way is clear the same tree imports.
my %pfiles = map { ("p/$_" => "placing $tag $_\n") } 1 .. 20;
my $pdir = tree('place', %pfiles);
my $psha = sha256_hex("placing $tag 7\n");
my $pblock = "$S/artifact/" . substr($psha, 0, 2) . '/' . substr($psha, 2);
make_path($pblock);
($rc, $out) = run('import', "$tag-place", $pdir, '--create');
isnt($rc, 0, 'an import whose placing fails fails');
like($out, qr{renaming \S+ to \S+/\Q@{[substr($psha, 0, 2)]}/@{[substr($psha, 2)]}\E: }, 'naming the file it could not place')
    or diag $out;
unlike($out, qr/request: request/, 'once') or diag $out;
is(latest("$tag-place") || 0, 0, 'and makes no version');
is(mine_in_tmp(), 0, 'and leaves no staged file or spool in storage');
# An import makes its units as it hashes, leased like their artifacts: an
# orphan cleanup with no protection time spares them while the lease runs.
my $punits = "SELECT count(*) FROM content WHERE relative_path LIKE 'p/%' AND sha256 IN ("
    . join(',', map { "'" . sha256_hex($_) . "'" } values %pfiles) . ')';
is(psql("$punits AND timestamp_of_interest > now() + interval '50 minutes'"), 20,
   'its units were made as it hashed, leased for the hour');
($rc, $out) = run('orphans', 'cleanup', '--protection-time', '0');
is($rc, 0, 'orphan cleanup with no protection time') or diag $out;
is(psql($punits), 20, 'spares the leased units');
# But a unit whose bytes the failed run never placed (p/9 comes after p/7
# in the placing's path order) goes into no version through the API.
my $p9 = API . 'content/file/files/' . psql("SELECT id FROM content WHERE relative_path = 'p/9'"
    . " AND sha256 = '" . sha256_hex("placing $tag 9\n") . "'") . '/';
my $other = new_repo();
my $mres = modify($other, add => [$p9]);
is($mres->code, 400, 'a modify adding a unit with no file in storage is refused');
like($mres->content, qr/has no file in storage yet/, 'saying so') or diag $mres->content;
remove_tree($pblock);
($rc, $out) = run('import', "$tag-place", $pdir);
is($rc, 0, 'the same tree imports once the way is clear') or diag $out;
like($out, qr/ 20 hashed/, 'hashing every file again: a failed run leaves no mtime on rows'
     . ' no version holds') or diag $out;
is(latest("$tag-place"), 1, 'as version 1');
is(present("$tag-place"),
   join(' ', map { s/\|/=/r } sort map { "$_|" . length($pfiles{$_}) } keys %pfiles),
   'holding every file');
ok(-f $pblock, 'the file placed this time');
is(modify($other, add => [$p9])->code, 201, 'and the unit goes into a version now that its file is there');

# --- sync from a publication of this server --------------------------------
my $plain = unique('plain');
api('POST', API . 'distributions/file/file/', { name => $plain, base_path => $plain,
    repository => psql("SELECT '" . API . "repositories/file/file/' || id || '/' FROM repository"
                       . " WHERE name = '$repo'") });
api('POST', API . 'publications/file/file/', { repository => psql("SELECT '" . API
    . "repositories/file/file/' || id || '/' FROM repository WHERE name = '$repo'") });
my $remote = 'http://' . hostport() . "/pulp/content/$plain/";
($rc, $out) = run('sync', "$tag-s", $remote, '--create', '--checkpoint');
is($rc, 0, 'sync from a publication of this server') or diag $out;
is(present("$tag-s"), present($repo), 'holds what the publication does');
is(psql("SELECT count(rc.import_mtime) FROM repository_content rc JOIN repository r"
        . " ON r.id = rc.repository_id WHERE r.name = '$tag-s'"), 0,
   'a sync keeps no import state: its rows vouch for nothing to an import');
($rc, $out) = run('sync', "$tag-s", $remote);
like($out, qr/unchanged/, 'a re-sync of the unchanged remote makes no version') or diag $out;
like($out, qr/ 0 downloaded/, 'and downloads nothing') or diag $out;

# --- a sync of more than a page of digests (CKPT_INGEST_BATCH, 4096) --------
# The manifest goes into the run's table a batch at a time, and the digests
# storage lacks are leased, looked for and downloaded a page at a time over
# connections kept across pages: every digest arrives once, a digest of
# two paths included.
{
    my $k = 4096 + 100;
    my %w = map { (sprintf('d/%03d/x%05d', $_ % 97, $_) => "distinct $tag $_\n") } 1 .. $k;
    $w{'d/twin'} = "distinct $tag 1\n";
    my $m = join '', map { "$_," . sha256_hex($w{$_}) . ',' . length($w{$_}) . "\n" } sort keys %w;
    tree('wide', %w, 'PULP_MANIFEST' => $m);
    my $url = 'http://' . hostport() . "/$tag/wide/";
    ($rc, $out) = run('sync', "$tag-w", $url, '--create', '--json');
    is($rc, 0, "sync of $k distinct digests") or diag $out;
    $j = summary($out);
    is_deeply([@$j{qw(version files hashed changed stored)}], [1, $k + 1, $k, $k + 1, $k],
              'one version of every path, each digest downloaded and stored once') or diag $out;
    is(scalar(split ' ', present("$tag-w")), $k + 1, 'the version holds them all');
    my $last = sha256_hex("distinct $tag $k\n");
    ok(-f "$S/artifact/" . substr($last, 0, 2) . '/' . substr($last, 2), 'the last page\'s bytes are in storage');
    ($rc, $out) = run('sync', "$tag-w", $url, '--json');
    $j = summary($out);
    is_deeply([@$j{qw(version hashed changed)}], [undef, 0, 0], 'again: no version, nothing downloaded')
        or diag $out;
    is(mine_in_tmp(), 0, 'and no temporary file left (the manifest\'s neither)');
}

# --- a sync interrupted: no version, no temporary file ----------------------
# Its manifest (a scratch file in storage) and its downloads go with it.
{
    my %k = map { (sprintf('k/%03d', $_) => "$_ $tag " . ('y' x (2 << 20))) } 1 .. 40;
    my $m = join '', map { "$_," . sha256_hex($k{$_}) . ',' . length($k{$_}) . "\n" } sort keys %k;
    tree('killed', %k, 'PULP_MANIFEST' => $m);
    killed_midway('sync', 'its manifest or downloads in storage', "$tag-ks",
                  'sync', "$tag-ks", 'http://' . hostport() . "/$tag/killed/", '--create');
}

# --- hostile manifests: each aborts, the repository stays -------------------
my $fresh = "fresh bytes $tag\n";
my $good = "a,@{[sha256_hex(\"a\n\")]},2\n";
my %hostile = (
    'a wrong digest' => "${good}f," . sha256_hex('other') . ",@{[length $fresh]}\n",
    'a wrong size' => "${good}f," . sha256_hex($fresh) . ",3\n",
    'a .. path' => "${good}../f," . sha256_hex($fresh) . ",@{[length $fresh]}\n",
    'a truncated manifest' => "${good}f," . substr(sha256_hex($fresh), 0, 20),
    'a 404 in the middle' => "${good}missing," . sha256_hex("never $tag") . ",6\n"
                             . "f," . sha256_hex($fresh) . ",@{[length $fresh]}\n",
    'a path listed twice' => "${good}f," . sha256_hex($fresh) . ",@{[length $fresh]}\n$good",
    # Past the first batch the run's table finds it, not the reader.
    'a path listed twice, batches apart' => "${good}f," . sha256_hex($fresh) . ",@{[length $fresh]}\n"
        . join('', map { "pad/$_," . sha256_hex("a\n") . ",2\n" } 1 .. 4100) . $good,
);
my $srepo = "$tag-s";
my $sbefore = latest($srepo);
for my $what (sort keys %hostile) {
    my $d = tree('remote', 'a' => "a\n", 'f' => $fresh, 'PULP_MANIFEST' => $hostile{$what});
    ($rc, $out) = run('sync', $srepo, 'http://' . hostport() . "/$tag/remote/");
    isnt($rc, 0, "$what: the sync fails") or diag $out;
    like($out, qr/listed twice/, "$what: and says so") or diag $out if $what =~ /twice/;
    note $out;
}
is(latest($srepo), $sbefore, 'and the repository is as it was');
ok(!grep({ m{/\Q@{[substr(sha256_hex($fresh), 2)]}\E$} } storage_files()),
   'nothing of the hostile remote was stored');
is(mine_in_tmp(), 0, 'no temporary file left');

# --- a storage directory httpd has not opened yet -------------------------
{
    my $fresh = "$work/fresh-storage";
    make_path($fresh);
    local @global = ('--database', $ENV{CKPT_CONNINFO}, '--storage', $fresh);
    my $small = tree('small', 'x' => "fresh\n");
    ($rc, $out) = run('import', "$tag-fresh", $small, '--create', '--json');
    is($rc, 0, 'import into an empty storage directory') or diag $out;
    ok(-d "$fresh/artifact" && -d "$fresh/tmp", 'which it lays out as httpd does');
    @global = ('--database', $ENV{CKPT_CONNINFO}, '--storage', "$work/no-such-storage");
    ($rc, $out) = run('import', "$tag-fresh", $small);
    isnt($rc, 0, 'a storage directory that does not exist is refused');
    like($out, qr/storage \S*no-such-storage: No such file or directory/, 'and named') or diag $out;
    ok(!-e "$work/no-such-storage", 'not made');
}

remove_tree($work);
done_testing();
