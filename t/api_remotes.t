use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Test::More;
use lib 't/lib';
use CkptTest;
use JSON::PP ();

# remotes/file/file/ (issue 11): Pulp's file remotes, created, read,
# listed, changed (PATCH and PUT) and deleted; validation answers name the
# field; credentials are write-only and never answered.
my $tag = unique('remote');
my $R = API . 'remotes/file/file/';

# pulp-glue's `pulp file remote create --name N --url U --policy immediate`.
my $res = api('POST', $R, { name => $tag, url => "http://upstream.example/$tag/",
    policy => 'immediate', username => 'alice', password => "secret-$tag",
    proxy_url => 'http://proxy.example:3128', proxy_username => 'p', proxy_password => "pp-$tag",
    client_key => "KEY-$tag", tls_validation => JSON::PP::false(), download_concurrency => 2,
    max_retries => 1 });
is($res->code, 201, 'create') or diag $res->content;
my $r = json_of($res);
like($r->{pulp_href}, qr{^\Q$R\E[0-9a-f-]{36}/$}, 'a remote href');
is($res->header('Location'), $r->{pulp_href}, 'Location names it');
is_deeply([ @$r{qw(name url policy proxy_url download_concurrency max_retries)} ],
          [ $tag, "http://upstream.example/$tag/", 'immediate', 'http://proxy.example:3128', 2, 1 ],
          'the fields as given');
ok(!$r->{tls_validation} && JSON::PP::is_bool($r->{tls_validation}), 'tls_validation false');
like($r->{pulp_created} // '', qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'pulp_created');
like($r->{pulp_last_updated} // '', qr/^\d{4}-/, 'pulp_last_updated');
ok(!exists $r->{$_}, "$_ is never answered") for qw(username password proxy_username proxy_password client_key);
my %hidden = map { $_->{name} => $_->{is_set} } @{ $r->{hidden_fields} };
is_deeply([ sort keys %hidden ], [ sort qw(username password proxy_username proxy_password client_key) ],
          'hidden_fields lists the write-only fields');
ok($hidden{$_}, "$_ is_set") for keys %hidden;
unlike($res->content, qr/secret-\Q$tag\E|pp-\Q$tag\E|KEY-\Q$tag\E/, 'no secret anywhere in the answer');

for my $got (json_of(api('GET', $r->{pulp_href})), json_of(api('GET', "$R?name=$tag"))->{results}[0]) {
    is($got->{pulp_href}, $r->{pulp_href}, 'read and listed by name');
    unlike(JSON::PP::encode_json($got), qr/secret-|pp-\Q$tag\E|KEY-/, 'with no secret');
}
is(json_of(api('GET', "$R?name=none-$tag"))->{count}, 0, 'a name filter that matches nothing');

# Defaults, as Pulp has them.
my $d = json_of(api('POST', $R, { name => "$tag-d", url => "https://upstream.example/d/" }));
is($d->{policy}, 'immediate', 'policy defaults to immediate');
ok($d->{tls_validation}, 'tls_validation defaults to true');
is($d->{$_}, undef, "$_ defaults to null") for qw(proxy_url ca_cert client_cert download_concurrency max_retries);
ok(!grep({ $_->{is_set} } @{ $d->{hidden_fields} }), 'no credential set');

# PATCH changes what it names; a credential set to null is unset.
$res = api('PATCH', $r->{pulp_href}, { url => "http://other.example/$tag/", password => undef });
is($res->code, 200, 'PATCH') or diag $res->content;
my $p = json_of($res);
is($p->{url}, "http://other.example/$tag/", 'url changed');
is($p->{download_concurrency}, 2, 'the rest kept');
%hidden = map { $_->{name} => $_->{is_set} } @{ $p->{hidden_fields} };
ok(!$hidden{password} && $hidden{username}, 'password unset, username kept');
is(psql("SELECT password IS NULL FROM remote WHERE name = '$tag'"), 't', 'in the database too');
isnt($p->{pulp_last_updated}, $r->{pulp_last_updated}, 'pulp_last_updated moves');

# PUT replaces: what it leaves out takes its default.
$res = api('PUT', $r->{pulp_href}, { name => $tag, url => "http://put.example/$tag/" });
is($res->code, 200, 'PUT') or diag $res->content;
my $u = json_of($res);
is_deeply([ @$u{qw(url download_concurrency proxy_url)} ], [ "http://put.example/$tag/", undef, undef ],
          'a full update');
ok($u->{tls_validation}, 'tls_validation back to its default');
$res = api('PUT', $r->{pulp_href}, { url => "http://put.example/" });
is($res->code, 400, 'PUT without name');
is_deeply(json_of($res), { name => ['This field is required.'] }, 'names it');

# Validation, in Pulp's field-error shape.
my @bad = (
    [ { name => "$tag-x" }, 'url', 'url is required' ],
    [ { url => 'http://x/' }, 'name', 'name is required' ],
    [ { name => "$tag-x", url => 'ftp://x/' }, 'url', 'an ftp url' ],
    [ { name => "$tag-x", url => 'http://x/', policy => 'on_demand' }, 'policy', 'policy on_demand' ],
    [ { name => "$tag-x", url => 'http://x/', policy => 'streamed' }, 'policy', 'policy streamed' ],
    [ { name => "$tag-x", url => 'http://x/', download_concurrency => 0 }, 'download_concurrency', 'concurrency 0' ],
    [ { name => "$tag-x", url => 'http://x/', download_concurrency => '4' }, 'download_concurrency', 'concurrency as a string' ],
    [ { name => "$tag-x", url => 'http://x/', max_retries => -1 }, 'max_retries', 'negative retries' ],
    [ { name => "$tag-x", url => 'http://x/', tls_validation => 'yes' }, 'tls_validation', 'tls_validation not a boolean' ],
    [ { name => "$tag-x", url => 'http://x/', proxy_url => 'x' }, 'proxy_url', 'a proxy that is no URL' ],
    [ { name => "$tag-x", url => 'http://x/', total_timeout => 5 }, 'total_timeout', 'a field not implemented' ],
    [ { name => $tag, url => 'http://x/' }, 'name', 'a name taken' ],
    [ { name => '', url => 'http://x/' }, 'name', 'a blank name' ],
);
for my $b (@bad) {
    my ($body, $field, $what) = @$b;
    $res = api('POST', $R, $body);
    is($res->code, 400, "$what: 400");
    my $e = json_of($res) // {};
    ok(ref $e->{$field} eq 'ARRAY' && $e->{$field}[0], "$what: names $field") or diag $res->content;
}
like(json_of(api('POST', $R, { name => "$tag-x", url => 'http://x/', policy => 'on_demand' }))->{policy}[0],
     qr/only "immediate"/, 'the policy message says what is implemented');
is(psql("SELECT count(*) FROM remote WHERE name = '$tag-x'"), 0, 'nothing was made by a refused create');

# Delete.
is(api('DELETE', $d->{pulp_href})->code, 204, 'DELETE');
is(api('GET', $d->{pulp_href})->code, 404, 'gone');
is(api('DELETE', $d->{pulp_href})->code, 404, 'a second DELETE is 404');
is(api('GET', "${R}00000000-0000-0000-0000-000000000000/")->code, 404, 'an unknown remote is 404');
is(api('POST', "$r->{pulp_href}", {})->code, 405, 'POST on a remote is 405');

done_testing();
