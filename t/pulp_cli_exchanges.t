use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use HTTP::Request ();
use JSON::PP ();
use MIME::Base64 ();
use URI::Escape ();
use lib 't/lib';
use CkptTest;
use CkptSchema ();

# The HTTP exchanges pulp-cli 0.38.4 makes for the checkpoint workflow,
# as `pulp -vvv` showed them, replayed the way its library pulp-glue
# makes them: the document fetched without credentials, then every call
# resolved through the document by its operationId.  As pulp-glue does,
# a parameter must be declared where it is sent (path or query), a body
# must fit the request schema of the content type it goes as (JSON, or
# multipart/form-data when it carries a file), credentials go only where
# the operation's security asks for them, and the answer's status must
# be one the operation lists (or the hundred it falls in), its
# Content-Type exactly one the listed answer declares; its body must fit
# the schema.  The lists pulp-cli's `list` commands make are not here:
# they send fields and exclude_fields, which this API does not declare.
my $tag = unique('cli');
my $H = 'http://' . hostport();
my $json = JSON::PP->new->canonical;

my $res = anon_ua()->get("$H" . API . 'docs/api.json', Accept => 'application/json',
    'User-Agent' => 'Pulp-CLI/0.38.4');
is($res->code, 200, 'docs/api.json, without credentials') or BAIL_OUT($res->content);
my $doc = json_of($res);
like($doc->{openapi} // '', qr/^3\./, 'an OpenAPI 3 document, the version pulp-glue accepts');
my %ops;
for my $path (keys %{ $doc->{paths} }) {
    for my $m (grep { /^(get|put|post|delete|patch)$/ } keys %{ $doc->{paths}{$path} }) {
        my $op = $doc->{paths}{$path}{$m};
        $ops{ $op->{operationId} } = [ $m, $path, $op ];
    }
}

# requests' multipart/form-data: the fields first, each without a
# Content-Type, then the files as application/octet-stream.
sub multipart {
    my ($fields, $files) = @_;
    my $b = join '', map { sprintf '%02x', int rand 256 } 1 .. 16;
    my $body = '';
    $body .= "--$b\r\nContent-Disposition: form-data; name=\"$_\"\r\n\r\n$fields->{$_}\r\n"
        for sort keys %$fields;
    $body .= "--$b\r\nContent-Disposition: form-data; name=\"$_\"; filename=\"$files->{$_}[0]\"\r\n"
        . "Content-Type: application/octet-stream\r\n\r\n$files->{$_}[1]\r\n" for sort keys %$files;
    return ("multipart/form-data; boundary=$b", "$body--$b--\r\n");
}

# The request pulp-glue renders for operation $id: path => {name => value},
# query => [name => value, ...], body => {...}, files => {name => [filename, bytes]}.
sub render {
    my ($id, %a) = @_;
    my ($m, $path, $op) = @{ $ops{$id} };
    my %declared = map { ("$_->{in}:$_->{name}" => 1) } @{ $op->{parameters} || [] };
    my @q = @{ $a{query} || [] };
    for my $k (sort keys %{ $a{path} || {} }) {
        ok($declared{"path:$k"}, "$id declares the path parameter $k");
        $path =~ s/\{\Q$k\E\}/$a{path}{$k}/;
    }
    for (my $i = 0; $i < @q; $i += 2) {
        ok($declared{"query:$q[$i]"}, "$id declares the query parameter $q[$i]");
    }
    my $url = $path =~ m{^/} ? $H . $path : $H . API . $path;
    $url .= '?' . join '&', map { URI::Escape::uri_escape($q[2 * $_]) . '='
        . URI::Escape::uri_escape($q[2 * $_ + 1]) } 0 .. $#q / 2 if @q;
    my $req = HTTP::Request->new(uc $m => $url);
    $req->header('User-Agent' => 'Pulp-CLI/0.38.4', Accept => 'application/json');
    # The first proposal of the operation's security: {} asks for nothing.
    my $security = $op->{security} // $doc->{security};
    if ($security->[0] && exists $security->[0]{basicAuth}) {
        $req->header(Authorization => 'Basic '
            . MIME::Base64::encode_base64("admin:$ENV{CKPT_ADMIN_PASSWORD}", ''));
    }
    return ($req, $op) unless $a{body} || $a{files};
    my $type = $a{files} ? 'multipart/form-data' : 'application/json';
    my $spec = $op->{requestBody}{content}{$type};
    ok($spec, "$id takes $type") or return ($req, $op);
    my %all = (%{ $a{body} || {} }, map { $_ => $a{files}{$_}[1] } keys %{ $a{files} || {} });
    my @e = CkptSchema::openapi_validate($doc, $spec->{schema}, \%all);
    is_deeply(\@e, [], "$id: the body fits the request schema, as pulp-glue checks before sending");
    if ($a{files}) {
        my ($ct, $body) = multipart($a{body} || {}, $a{files});
        $req->header('Content-Type' => $ct);
        $req->content($body);
    }
    else {
        $req->header('Content-Type' => 'application/json');
        $req->content($json->encode($a{body}));
    }
    return ($req, $op);
}

# call(ID, STATUS, %request) -> the decoded answer, checked as pulp-glue
# checks it before it hands it on.
sub call {
    my ($id, $want, %a) = @_;
    ok($ops{$id}, "$id is in the document") or return;
    my ($req, $op) = render($id, %a);
    my $r = anon_ua()->request($req);
    is($r->code, $want, "$id: $want") or diag $r->content;
    return if $r->code == 204 || $r->code >= 300;
    my $spec = $op->{responses}{ $r->code } // $op->{responses}{ int($r->code / 100) * 100 };
    ok($spec, "$id: " . $r->code . ' is a status the operation lists') or return;
    my $ct = $r->header('Content-Type') // '';
    ok($spec->{content}{$ct}, "$id: its Content-Type ($ct) is one the answer declares") or return;
    my $body = json_of($r);
    my @e = CkptSchema::openapi_validate($doc, $spec->{content}{$ct}{schema}, $body);
    is_deeply(\@e, [], "$id: the answer fits its schema");
    return $body;
}

# pulp status: status/ without credentials; pulp-cli compares its
# versions with the document's x-pulp-app-versions and, on any
# difference, takes its cached document for stale and fetches it again.
my $st = call('status_read', 200);
is_deeply({ map { $_->{component} => $_->{version} } @{ $st->{versions} } },
    $doc->{info}{'x-pulp-app-versions'},
    'pulp status: status/ lists exactly the components and versions of x-pulp-app-versions');

# pulp file repository create/show/update
my $repo = call('repositories_file_file_create', 201, body => { name => $tag });
my $found = call('repositories_file_file_list', 200, query => [ name => $tag, offset => 0, limit => 1 ]);
is($found->{results}[0]{pulp_href}, $repo->{pulp_href}, 'pulp file repository show --name');
my $upd = call('repositories_file_file_partial_update', 200,
    path => { file_file_repository_href => $repo->{pulp_href} },
    body => { description => 'second', retain_repo_versions => 3 });
is_deeply([ @$upd{qw(description retain_repo_versions)} ], [ 'second', 3 ], 'pulp file repository update');

# pulp file content upload --file hello.txt --relative-path d/hello.txt --repository R
my $bytes = "hello $tag\r\n--\0\n";
my $unit = call('content_file_files_create', 201,
    body => { relative_path => "d/hello.txt", repository => $repo->{pulp_href} },
    files => { file => [ 'hello.txt', $bytes ] });
is($unit->{sha256}, sha256_hex($bytes), 'the uploaded bytes');
like($unit->{repository_version} // '', qr{versions/1/$}, 'in a new version of the repository');

# pulp file publication create --repository R --checkpoint
my $pub = call('publications_file_file_create', 201,
    body => { repository => $repo->{pulp_href}, checkpoint => JSON::PP::true });
ok($pub->{checkpoint}, 'a checkpoint publication');

# pulp file distribution create --name D --base-path B --repository R --checkpoint
# (pulp-cli sends "publication": null along), and one with --publication
my $dist = call('distributions_file_file_create', 201, body => { name => $tag, base_path => $tag,
    repository => $repo->{pulp_href}, checkpoint => JSON::PP::true, publication => undef });
ok($dist->{checkpoint}, 'a checkpoint distribution');
my $plain = call('distributions_file_file_create', 201, body => { name => "$tag-p",
    base_path => "$tag-p", publication => $pub->{pulp_href}, repository => undef });

# pulp file repository version show --version 1; pulp file repository content list
my $v = call('repositories_file_file_versions_list', 200,
    path => { file_file_repository_href => $repo->{pulp_href} },
    query => [ number => 1, offset => 0, limit => 1 ]);
is($v->{results}[0]{pulp_href}, $unit->{repository_version}, 'pulp file repository version show');
my $c = call('content_file_files_list', 200,
    query => [ repository_version => $unit->{repository_version}, offset => 0, limit => 25 ]);
is_deeply([ map { $_->{pulp_href} } @{ $c->{results} } ], [ $unit->{pulp_href} ],
    'pulp file repository content list');

# The checkpoint URLs serve the uploaded bytes.
cache_settle();
my $index = anon_ua()->get($H . CONTENT . "$tag/");
my ($ts) = $index->content =~ m{href="(\d{8}T\d{6}Z)/"};
ok($ts, 'the distribution lists its checkpoint') or diag $index->content;
$res = anon_ua()->get($H . CONTENT . "$tag/$ts/d/hello.txt");
is($res->code, 200, 'the checkpoint URL answers');
is($res->content, $bytes, 'with the uploaded bytes');
my @now = gmtime;
my $later = sprintf '%04d%02d%02dT%02d%02d%02dZ', $now[5] + 1900, $now[4] + 1, @now[3, 2, 1, 0];
$res = anon_ua()->get($H . CONTENT . "$tag/$later/d/hello.txt");
is($res->code, 301, 'a later time (now) redirects');
like($res->header('Location') // '', qr{/\Q$tag\E/$ts/d/hello\.txt$}, 'to the checkpoint');
is(anon_ua()->get($H . CONTENT . "$tag-p/d/hello.txt")->content, $bytes,
    'the publication distribution serves them too');

# pulp file distribution destroy; pulp file repository destroy
call('distributions_file_file_delete', 204, path => { file_file_distribution_href => $plain->{pulp_href} });
my $other = call('repositories_file_file_create', 201, body => { name => "$tag-gone" });
call('repositories_file_file_delete', 204, path => { file_file_repository_href => $other->{pulp_href} });
$found = call('repositories_file_file_list', 200, query => [ name => "$tag-gone", offset => 0, limit => 1 ]);
is($found->{count}, 0, 'pulp file repository destroy');

done_testing();
