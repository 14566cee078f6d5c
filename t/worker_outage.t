use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Test::More;
use File::Path qw(make_path remove_tree);
use Time::HiRes qw(sleep);
use lib 't/lib';
use CkptTest;
use CkptWorker;

# What becomes of a task when its worker dies, is stopped, or loses the
# database (issue 11): never stuck "running", the repository as it was.
my $tag = unique('wout');
my $docroot = Apache::Test::vars('documentroot');
my $fast = "$docroot/$tag";
make_path($fast);
open(my $fh, '>', "$fast/f") or die;
print $fh "fast $tag\n";
close $fh;
open($fh, '>', "$fast/PULP_MANIFEST") or die;
print $fh "f," . sha256_hex("fast $tag\n") . ",@{[length \"fast $tag\n\"]}\n";
close $fh;
my $fremote = json_of(api('POST', API . 'remotes/file/file/',
    { name => "$tag-fast", url => 'http://' . hostport() . "/$tag/" }));
my ($slow, $spid) = slow_remote('k' => ('k' x 80));
my $sremote = json_of(api('POST', API . 'remotes/file/file/', { name => "$tag-slow", url => $slow }));

sub sync { json_of(api('POST', "$_[0]{pulp_href}sync/", { remote => $_[1]{pulp_href} }))->{task} }
sub latest { json_of(api('GET', $_[0]{pulp_href}))->{latest_version_href} }
sub state_in_db { my ($href) = @_; $href =~ m{/([0-9a-f-]{36})/$}; psql("SELECT state FROM task WHERE id = '$1'") }

# --- SIGKILL mid-task: another worker marks the task failed ----------------
my $repo = new_repo();
my ($a, $aname) = worker_start();
my $href = sync($repo, $sremote);
is(wait_state($href, ['running'])->{state}, 'running', 'a slow sync is running');
sleep 0.5;
kill 'KILL', $a;
waitpid($a, 0);
is(state_in_db($href), 'running', 'the killed worker left it "running" in the table');
my ($b) = worker_start();
my $st = '';
for (1 .. 40) { last if ($st = state_in_db($href)) ne 'running'; sleep 0.25 }
is($st, 'failed', 'a worker marks the task of a dead worker failed (its lock is free)');
my $t = json_of(api('GET', $href));
like($t->{error}{description} // '', qr/\Q$aname\E.*went away/, 'error.description says the worker went away');
ok($t->{finished_at}, 'finished_at is set');
is(latest($repo), "$repo->{pulp_href}versions/0/", 'the repository is as it was');
$t = wait_task(sync($repo, $fremote));
is($t->{state}, 'completed', 'the repository syncs again afterwards') or diag explain $t->{error};

# The API alone does the same when no worker is left.
my $repo2 = new_repo();
$href = sync($repo2, $sremote);
is(wait_state($href, ['running'])->{state}, 'running', 'another slow sync running');
kill 'KILL', $b;
waitpid($b, 0);
$t = wait_state($href, ['failed'], 10);
is($t->{state}, 'failed', 'with no worker at all, reading the task finds it failed');
is(latest($repo2), "$repo2->{pulp_href}versions/0/", 'and the repository as it was');

# --- SIGTERM mid-task: the task is given back and runs again ---------------
# (A SIGKILL leaves its download in storage/tmp, for orphan cleanup; a
# SIGTERM leaves nothing.)
my %left = map { $_ => 1 } tmp_files();
my ($c) = worker_start();
$href = sync($repo2, $sremote);
is(wait_state($href, ['running'])->{state}, 'running', 'a slow sync running');
sleep 0.5;
my $took = worker_stop($c, 'TERM');
ok(defined $took && $took < 10, 'the worker stops on SIGTERM within seconds') or diag $took;
is(json_of(api('GET', $href))->{state}, 'waiting', 'its task is back to waiting');
is(latest($repo2), "$repo2->{pulp_href}versions/0/", 'the repository as it was');
is_deeply([ grep { !$left{$_} } tmp_files() ], [], 'no download left in storage/tmp');
my ($d, $dname) = worker_start();
$t = wait_task($href, 60);
is($t->{state}, 'completed', 'another worker runs it to completion');
is($t->{worker}, $dname, 'that worker');
is_deeply($t->{created_resources}, [ "$repo2->{pulp_href}versions/1/" ], 'making the version');

# --- the database restarts under an idle worker ----------------------------
pg_stop();
sleep 2;
pg_start();
sleep 1;
ok(kill(0, $d), 'the worker is still there after the outage');
for (1 .. 40) { last if eval { api('GET', API . 'status/')->code == 200 }; sleep 0.25 }
$t = wait_task(sync(new_repo(), $fremote), 30);
is($t->{state}, 'completed', 'and runs the next task (it connected again)') or diag explain $t;

# --- the database restarts under a running task ------------------------------
# (New bytes: what an earlier sync stored is not downloaded again.)
my ($slow2, $spid2) = slow_remote('q' => ('q' x 80));
my $sremote2 = json_of(api('POST', API . 'remotes/file/file/', { name => "$tag-slow2", url => $slow2 }));
my $repo3 = new_repo();
$href = sync($repo3, $sremote2);
is(wait_state($href, ['running'])->{state}, 'running', 'a slow sync running');
pg_stop();
sleep 1;
pg_start();
$t = wait_task($href, 30);
is($t->{state}, 'failed', 'a task whose worker lost its session ends failed, not stuck');
like($t->{error}{description} // '', qr/database session|went away/, 'saying why') or diag explain $t->{error};
is(latest($repo3), "$repo3->{pulp_href}versions/0/", 'and the repository as it was');
$t = wait_task(sync($repo3, $fremote), 30);
is($t->{state}, 'completed', 'the worker runs the next task') or diag explain $t;
ok(defined worker_stop($d), 'and stops on SIGTERM');

slow_remote_stop($_) for $spid, $spid2;
remove_tree($fast);
done_testing();
