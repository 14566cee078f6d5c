use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use lib 't/lib';
use CkptTest qw(anon_ua json_of API);
use CkptFixture qw(fx_repository fx_version fx_publication fx_distribution);

# A virtual host with pool and cache directives of its own, and no
# CheckpointDatabase: it serves from the main server's database.
my $r = fx_repository('vhost');
my $v = fx_version($r, { 'f.txt' => "vhost\n" });
fx_distribution('vhost', publication => fx_publication($r, $v, created => '2025-01-30 20:30:00'));

Apache::TestRequest::module('ckpt_vhost');
my $base = 'http://' . Apache::TestRequest::hostport();
isnt(Apache::TestRequest::hostport(), do { Apache::TestRequest::module('default'); Apache::TestRequest::hostport() },
    'the virtual host has a port of its own');

my $res = anon_ua()->get($base . API . 'status/');
is($res->code, 200, 'status/ is 200 there');
ok((json_of($res) // {})->{database_connection}{connected}, 'with the database reachable');
# Its own pool and cache, not its parent's (issue 9: the merge wrote into
# the virtual host's config and only the database was checked).
my $s = json_of($res) // {};
is_deeply($s->{database_connection}{pool}, { min => 0, soft_max => 2, hard_max => 4 },
          'with its own pool: CheckpointPoolSize 0 2 4');
is($s->{content_cache}{bytes}, 0, 'and its own cache: CheckpointCacheSize 0');
Apache::TestRequest::module('default');
my $main = json_of(anon_ua()->get('http://' . Apache::TestRequest::hostport() . API . 'status/')) // {};
is_deeply($main->{database_connection}{pool}, { min => 2, soft_max => 8, hard_max => 16 },
          "the main server keeps the shipped pool (conf/checkpoint.conf.in)");
is($main->{content_cache}{bytes}, 16 * 1024 * 1024, 'and the shipped cache');
Apache::TestRequest::module('ckpt_small');
my $small = json_of(anon_ua()->get('http://' . Apache::TestRequest::hostport() . API . 'status/')) // {};
is_deeply($small->{database_connection}{pool}, $main->{database_connection}{pool},
          'a virtual host that sets none shares its parent\'s');
Apache::TestRequest::module('ckpt_vhost');
$res = anon_ua()->get("$base/pulp/content/vhost/f.txt");
is($res->code, 200, 'content is served there');
is($res->content, "vhost\n", 'from the same database');

done_testing();
