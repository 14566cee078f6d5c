use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Test::More;
use LWP::UserAgent ();
use lib 't/lib';
use CkptTest qw(cache_settle);
use CkptFixture;

# Invalidation is narrow (issue 8): a checkpoint of one repository does not
# make a process forget another repository's checkpoints or answers; a
# checkpoint of that repository does, and a changed distribution makes it
# forget every answer and the distributions.  One keep-alive connection
# stays with one server process, so what that process kept is observable:
# a "silent" publication (made with triggers off, so nothing tells the
# processes) shows through exactly when the process asks the database
# again.

my $A = fx_repository('inv-a');
my $av = fx_version($A, { 'f.txt' => "a1\n" });
fx_publication($A, $av, checkpoint => 1, created => '2024-01-01 00:00:00.000000');
fx_distribution('inv-a', repository => $A, checkpoint => 1);
my $B = fx_repository('inv-b');
my $bv = fx_version($B, { 'f.txt' => "b1\n" });
fx_publication($B, $bv, checkpoint => 1, created => '2024-01-01 00:00:00.000000');
fx_distribution('inv-b', repository => $B, checkpoint => 1);
# A plain distribution of C's newest publication.
my $C = fx_repository('inv-c');
my $cv1 = fx_version($C, { 'f.txt' => "c1\n" });
fx_publication($C, $cv1, created => '2024-01-01 00:00:00.000000');
my $cv2 = fx_version($C, { 'f.txt' => "c2\n" });
fx_distribution('inv-c', repository => $C);
cache_settle();

my $ua = LWP::UserAgent->new(keep_alive => 1, max_redirect => 0, timeout => 30);
my $n = 0;
# get(PATH) on the one connection; that it is still the same one is checked.
sub get {
    my ($path) = @_;
    my $res = $ua->get(content_url($path));
    $n++;
    is($res->header('Client-Response-Num'), $n, "$path: on the same connection ($n)");
    return $res;
}
sub target { my $l = $_[0]->header('Location') // ''; $l =~ s{.*/inv-b/}{}; $l }

# A second of 2024-01-03: B's only checkpoint is of 2024-01-01.
my $second = 'inv-b/20240103T000000Z/f.txt';
is(target(get($second)), '20240101T000000Z/f.txt', "B's second goes to B's checkpoint");
is(get('inv-c/f.txt')->content, "c1\n", "C's newest publication");

# Silently, B gets a checkpoint of 2024-01-02 and C a newer publication.
fx_publication($B, $bv, checkpoint => 1, created => '2024-01-02 00:00:00.000000', silent => 1);
fx_publication($C, $cv2, created => '2024-01-02 00:00:00.000000', silent => 1);

# A checkpoint of A: A's index changes; B's checkpoints and answers stay.
fx_publication($A, $av, checkpoint => 1, created => '2024-01-02 00:00:00.000000');
cache_settle();
like(get('inv-a/')->content, qr/20240102T000000Z/, "A's index has A's new checkpoint");
is(target(get($second)), '20240101T000000Z/f.txt', "B's answer survived A's checkpoint");
is(get('inv-c/f.txt')->content, "c1\n", "C's answer survived A's checkpoint");

# A distribution changed: any URL may lead elsewhere now, so every answer
# and the distributions go (C's newest publication shows); B's
# checkpoints are no business of a distribution, and stay.
fx_distribution('inv-d', repository => $A, checkpoint => 1);
cache_settle();
is(get('inv-c/f.txt')->content, "c2\n", 'a distribution change: answers and distributions forgotten');
is(target(get($second)), '20240101T000000Z/f.txt', "... but not B's checkpoints");

# A checkpoint of B: B's checkpoints are read again, the silent one too.
fx_publication($B, $bv, checkpoint => 1, created => '2024-01-04 00:00:00.000000');
cache_settle();
is(target(get($second)), '20240102T000000Z/f.txt', "B's checkpoint: B's checkpoints read again");

done_testing();
