use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Test::More;
use JSON::PP ();
use lib 't/lib';
use CkptFixture;

# A Memento client that is not ours: Comunica's Memento HTTP actor, from
# npm (scripts/test installs t/memento/package.json's lock into the state
# directory and names it in CKPT_MEMENTO_NODE_PATH), negotiates a time
# with the TimeGate and gets the memento of then.
my $modules = $ENV{CKPT_MEMENTO_NODE_PATH} // '';
my $r = fx_repository('mc-main');
my @v = map { fx_version($r, { 'a.txt' => "a$_\n" }) } 1 .. 3;
my @c = qw(20240301T100000Z 20240302T100000Z 20240303T100000Z);
fx_publication($r, $v[$_], checkpoint => 1, created => ('2024-03-0' . ($_ + 1) . ' 10:00:00.000000'))
    for 0 .. 2;
fx_distribution('mc', repository => $r, checkpoint => 1);

sub client {
    my ($url, $when) = @_;
    local $ENV{NODE_PATH} = $modules;
    open(my $fh, '-|', 'node', 't/memento/client.js', $url, $when) or die "node: $!";
    my $out = do { local $/; <$fh> };
    close $fh;
    return eval { JSON::PP->new->decode($out) } // { error => $out };
}

ok(-d "$modules/\@comunica/actor-http-memento", 'the Memento client is installed')
    or BAIL_OUT('no Memento client: scripts/test installs it with npm');

subtest 'through the TimeGate, to the memento of then' => sub {
    my $got = client(content_url('mc/a.txt'), '2024-03-02T12:00:00Z');
    is($got->{status}, 200, 'a memento');
    is($got->{url}, content_url("mc/$c[1]/a.txt"), 'of the checkpoint then');
    is($got->{memento_datetime}, 'Sat, 02 Mar 2024 10:00:00 GMT', 'which it says');
    is($got->{body}, "a2\n", 'with its bytes');
    $got = client(content_url('mc/a.txt'), '2024-03-01T10:00:00Z');
    is($got->{body}, "a1\n", 'the first, at its very second');
};

subtest 'a memento asked for another time stays itself' => sub {
    my $got = client(content_url("mc/$c[2]/a.txt"), '2024-03-01T12:00:00Z');
    is($got->{status}, 200, '200');
    is($got->{memento_datetime}, 'Sun, 03 Mar 2024 10:00:00 GMT', 'its own time');
    is_deeply($got->{asked}, [ content_url("mc/$c[2]/a.txt") ], 'no TimeGate asked');
};

subtest 'before the first checkpoint' => sub {
    is(client(content_url('mc/a.txt'), '2020-01-01T00:00:00Z')->{status}, 404, '404');
};

done_testing();
