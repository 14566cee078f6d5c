use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use LWP::UserAgent ();
use lib 't/lib';
use CkptTest qw(json_of cache_settle unique API);
use CkptFixture qw(fx_repository fx_version fx_publication fx_distribution);

# The node's shared catalog (CheckpointSharedCatalogSize): a directory's
# block that one catalog read from the database is taken by every other
# catalog of the node from shared memory, without a query.  status/ tells
# the answering process's catalog: block_loads (blocks read from the
# database) and shared_block_hits (blocks taken from the shared catalog).
# The main server and ckpt_vhost (which has a pool of its own, so a
# catalog of its own, on the same database) are two catalogs; each keeps
# one connection, so its status/ and its listings are answered by the
# same process.  Which processes they are does not matter: the
# repository is new, so no catalog of any process knows it.

my $r  = fx_repository(unique('shared'));
my $n1 = fx_version($r, { 'pool/a.txt' => "a\n", 'pool/b.txt' => "b\n" });
my $n2 = fx_version($r, { 'pool/a.txt' => "a2\n", 'pool/b.txt' => "b\n", 'pool/c.txt' => "c\n" });
fx_publication($r, $n1, created => '2025-03-01 10:00:00', checkpoint => 1);
fx_publication($r, $n2, created => '2025-03-02 10:00:00', checkpoint => 1);
my $bp = unique('shared-cp');
fx_distribution($bp, repository => $r, checkpoint => 1);
cache_settle();

my %base;
for my $m (qw(default ckpt_vhost)) {
    Apache::TestRequest::module($m);
    $base{$m} = 'http://' . Apache::TestRequest::hostport();
}
Apache::TestRequest::module('default');
# One kept-alive connection per server: one process each.
my %ua = map { $_ => LWP::UserAgent->new(keep_alive => 1, timeout => 30, max_redirect => 0) }
    keys %base;

sub catalog_of {
    my ($m) = @_;
    my $res = $ua{$m}->get($base{$m} . API . 'status/');
    is($res->code, 200, "$m: status/") or return {};
    return (json_of($res) // {})->{content_cache}{this_process} // {};
}

sub names { my ($res) = @_; return [ $res->content =~ m{<a href="([^"]+)">}g ] }

# lists(server, checkpoint, [names]) -> what the answering catalog did,
# {loads => block_loads added, hits => shared_block_hits added}.
sub lists {
    my ($m, $ts, $want) = @_;
    my $before = catalog_of($m);
    my $res = $ua{$m}->get("$base{$m}/pulp/content/$bp/$ts/pool/");
    is($res->code, 200, "$m: pool/ at $ts");
    is_deeply(names($res), [ '../', @$want ], "$m: pool/ at $ts lists @$want");
    my $after = catalog_of($m);
    is($after->{pid}, $before->{pid}, "$m: one process answered") or return {};
    return { map { $_ => ($after->{$_} // 0) - ($before->{$_} // 0) } qw(block_loads shared_block_hits) };
}

my $status = json_of($ua{default}->get($base{default} . API . 'status/')) // {};
is($status->{content_cache}{shared_catalog_bytes}, 256 * 1024 * 1024,
   'the shipped CheckpointSharedCatalogSize');

my $d = lists('default', '20250301T100000Z', [qw(a.txt b.txt)]);
cmp_ok($d->{block_loads}, '>=', 1, 'the main server reads the block from the database');
is($d->{shared_block_hits}, 0, 'none was shared yet');
my $loaded = $d->{block_loads};

$d = lists('ckpt_vhost', '20250302T100000Z', [qw(a.txt b.txt c.txt)]);
is($d->{block_loads}, 0, 'the other catalog reads nothing from the database')
    or diag explain $d;
is($d->{shared_block_hits}, $loaded, 'it takes the same blocks from the shared catalog');

# A new checkpoint: the blocks cover versions up to 2, so version 3 is
# read again, once, and the newer block shared in turn.
my $n3 = fx_version($r, { 'pool/a.txt' => "a2\n", 'pool/b.txt' => "b\n", 'pool/c.txt' => "c\n",
                          'pool/d.txt' => "d\n" });
fx_publication($r, $n3, created => '2025-03-03 10:00:00', checkpoint => 1);
cache_settle();
$d = lists('default', '20250303T100000Z', [qw(a.txt b.txt c.txt d.txt)]);
cmp_ok($d->{block_loads}, '>=', 1, 'a version above the block: read again');
$d = lists('ckpt_vhost', '20250303T100000Z', [qw(a.txt b.txt c.txt d.txt)]);
is($d->{block_loads}, 0, 'and shared: the other catalog reads nothing') or diag explain $d;
cmp_ok($d->{shared_block_hits}, '>=', 1, 'it takes the newer block');
# Older checkpoints still answer from what is kept.
$d = lists('ckpt_vhost', '20250301T100000Z', [qw(a.txt b.txt)]);
is($d->{block_loads} + $d->{shared_block_hits}, 0, 'version 1 from the kept block');

done_testing();
