use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use IO::Handle;
use Time::HiRes qw(time sleep);
use LWP::UserAgent ();
use lib 't/lib';
use CkptTest;
use CkptFixture qw(fx_repository fx_version fx_publication fx_distribution);

# Issue 9, defect 1: content must never starve behind the API.  Slow API
# transactions (here modifies that wait for a lock the test holds) may
# hold at most their share of a process's connections; the rest are the
# content side's.  ckpt_vhost has 4 connections per process (3 for the API)
# and no cache, so every content request needs one.
my $r = fx_repository(unique('reserved'));
my $v = fx_version($r, { 'f.txt' => "reserved\n" });
my $bp = unique('reservedbp');
fx_distribution($bp, publication => fx_publication($r, $v, created => '2025-01-30 20:30:00'));

Apache::TestRequest::module('ckpt_vhost');
my $base = 'http://' . Apache::TestRequest::hostport();
Apache::TestRequest::module('default');

my $repo = new_repo();
my ($rid) = $repo->{pulp_href} =~ m{/([0-9a-f-]{36})/$};

# The repository's lock, held by another session until the test is done.
open(my $locker, '|-', 'psql', $ENV{CKPT_CONNINFO}, '-XAtq') or die "psql: $!";
$locker->autoflush(1);
print $locker "BEGIN;\nSELECT 1 FROM repository WHERE id = '$rid' FOR UPDATE;\n";
sleep 0.5;
# Which process takes which request is the MPM's choice, so this shows the
# scenario rather than proves the share (tests/test_db.c does, on one pool).
my $MODIFIES = 30;
my (@kids, @pipes);
for (1 .. $MODIFIES) {
    pipe(my $rd, my $wr) or die;
    my $pid = fork // die;
    if (!$pid) {
        close $rd;
        my $t0 = time;
        my $res = api('POST', "$base$repo->{pulp_href}modify/", {});
        printf $wr "%d %.2f\n", $res->code, time - $t0;
        close $wr;
        require POSIX; POSIX::_exit(0);
    }
    close $wr;
    push @kids, $pid;
    push @pipes, $rd;
}
sleep 1; # every modify waits for the lock now, most of them on a connection

my $ua = LWP::UserAgent->new(timeout => 30, keep_alive => 0);
for my $i (1 .. 4) {
    my $t0 = time;
    my $res = $ua->get("$base/pulp/content/$bp/f.txt");
    my $took = time - $t0;
    is($res->code, 200, "content request $i is served while the API waits");
    cmp_ok($took, '<', 1.5, sprintf('at once (%.2f s)', $took));
}

print $locker "COMMIT;\n";
close $locker;
my (%codes, @waited);
for my $i (0 .. $#kids) {
    my ($code, $took) = split ' ', (readline($pipes[$i]) // '0 0');
    waitpid $kids[$i], 0;
    $codes{$code}++;
    push @waited, $took;
}
ok($codes{201}, 'modifies are made once the lock is free') or diag explain \%codes;
# Those that waited for a share longer than CheckpointPoolTimeout: 503.
is_deeply([ grep { $_ != 201 && $_ != 503 } keys %codes ], [], 'the others were told to retry')
    or diag explain \%codes;
@waited = sort { $a <=> $b } @waited;
my $median = $waited[$MODIFIES / 2];
cmp_ok($median, '>', 1, "the modifies did wait for the lock (median $median s)");

done_testing();
