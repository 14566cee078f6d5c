use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET);
use Test::More;
use lib 't/lib';
use CkptTest;

# status/ answers without credentials, with versions, database and storage.
my $res = anon_ua()->get('http://' . Apache::TestRequest::hostport() . API . 'status/');
is($res->code, 200, 'status/ is 200 without credentials');
like($res->header('Content-Type'), qr{^application/json}, 'status/ is JSON');
my $s = json_of($res);
ok($s->{database_connection}{connected}, 'database reachable');
like($s->{database_connection}{schema_version} // '', qr/^\d{3}_/, 'schema version reported');
ok($s->{storage}{writable}, 'storage writable');
ok($s->{online}, 'online');
my %v = map { $_->{component} => $_->{version} } @{ $s->{versions} };
ok($v{mod_checkpoint} && $v{httpd} && $v{libpq} && $v{jansson}, 'versions listed')
    or diag explain $s->{versions};
# The answering process's catalog, for sizing CheckpointCatalogSize.
my $cat = $s->{content_cache}{this_process} // {};
is($s->{content_cache}{catalog_bytes}, 128 * 1024 * 1024, 'the shipped CheckpointCatalogSize');
ok($cat->{pid} > 0, "the answering process's pid");
ok(defined $cat->{$_} && $cat->{$_} >= 0, "its catalog's $_")
    for qw(directory_blocks catalog_bytes_used block_loads evictions answer_hits answer_misses);

# The API root without its slash and status without its slash redirect.
$res = api('GET', API . 'status');
is($res->code, 301, 'status without slash is 301');
like($res->header('Location') // '', qr{/pulp/api/v3/status/$}, 'to status/');

# The rest of the API needs credentials.
$res = anon_ua()->get('http://' . Apache::TestRequest::hostport() . API . 'repositories/file/file/');
is($res->code, 401, 'the API without credentials is 401');

# Only GET and HEAD on status/.
$res = api('POST', API . 'status/', {});
is($res->code, 405, 'POST status/ is 405');

# Issue 9, defect 12: status/ answered 200 while storage was not
# writable.  A health check reads the status code: 200 only when online
# (the database answers and the storage takes writes).
{
    my $tmp = "$ENV{CKPT_STORAGE}/tmp";
    chmod 0555, $tmp or die "chmod: $!";
    $res = anon_ua()->get('http://' . Apache::TestRequest::hostport() . API . 'status/');
    chmod 0755, $tmp;
    is($res->code, 503, 'status/ is 503 while storage is not writable');
    ok(defined $res->header('Retry-After'), 'with Retry-After');
    my $b = json_of($res) // {};
    is($b->{online}, JSON::PP::false(), 'online is false');
    is($b->{storage}{writable}, JSON::PP::false(), 'storage.writable is false');
    ok($b->{database_connection}{connected}, 'the database still answers');
    is(anon_ua()->get('http://' . Apache::TestRequest::hostport() . API . 'status/')->code, 200,
       'and 200 again once it is');
}

# Unknown API paths are JSON 404s.
$res = api('GET', API . 'nothing-here/');
is($res->code, 404, 'unknown API path is 404');
is((json_of($res) // {})->{detail}, 'Not found.', '404 has a JSON detail');

done_testing();
