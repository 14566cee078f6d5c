use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Test::More;
use LWP::UserAgent ();
use lib 't/lib';
use CkptTest qw(cache_settle);
use CkptFixture;

# Invalidation is narrow (issue 8): a checkpoint of one repository does not
# make a process forget another repository's answers; a change of B or of
# any distribution does.  One keep-alive connection stays with one server
# process, so what that process kept is observable: B's file is changed
# behind its back (nothing that tells the processes), and the old bytes
# keep coming exactly as long as B's answer is kept.

my $A = fx_repository('inv-a');
my $av = fx_version($A, { 'f.txt' => "a1\n" });
fx_publication($A, $av, checkpoint => 1, created => '2024-01-01 00:00:00.000000');
fx_distribution('inv-a', repository => $A, checkpoint => 1);
my $B = fx_repository('inv-b');
my $bv = fx_version($B, { 'f.txt' => "b1\n" });
fx_publication($B, $bv, checkpoint => 1, created => '2024-01-01 00:00:00.000000');
fx_distribution('inv-b', repository => $B, checkpoint => 1);
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

my $file = 'inv-b/20240101T000000Z/f.txt';
is(get($file)->content, "b1\n", 'B served and kept');
like(get('inv-a/')->content, qr/20240101T000000Z/, "A's index");

# Behind the processes' back: B's f.txt now names other bytes.
sub swap_b {
    my ($bytes) = @_;
    my $sha = fx_artifact($bytes);
    sql("UPDATE repository_content SET sha256 = '$sha', size = " . length($bytes)
        . " WHERE repository_id = '$B' AND relative_path = 'f.txt'");
}
swap_b("b2\n");

# A checkpoint of A: A's index changes, B's answer stays.
fx_publication($A, $av, checkpoint => 1, created => '2024-01-02 00:00:00.000000');
cache_settle();
like(get('inv-a/')->content, qr/20240102T000000Z/, "A's index has A's new checkpoint");
is(get($file)->content, "b1\n", "B's answer survived A's checkpoint");

# A distribution changed: any URL may now lead elsewhere, all answers go.
fx_distribution('inv-c', repository => $A, checkpoint => 1);
cache_settle();
is(get($file)->content, "b2\n", 'every answer forgotten after a distribution change');

# A checkpoint of B: B's answers go.
swap_b("b3\n");
is(get($file)->content, "b2\n", 'kept until B changes');
fx_publication($B, $bv, checkpoint => 1, created => '2024-01-02 00:00:00.000000');
cache_settle();
is(get($file)->content, "b3\n", "B's answers forgotten after B's checkpoint");

done_testing();
