use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use HTTP::Request ();
use JSON::PP ();
use URI::Escape qw(uri_escape);
use lib 't/lib';
use CkptTest;

# The HTTP exchanges pulp-glue (pulp-cli 0.38.4, Ansible's pulp.squeezer)
# makes, replayed the way it makes them: it downloads docs/api.json
# without credentials, finds each operation by its operationId, fills the
# path and header parameters the document declares, sends JSON when no
# value is a file and multipart/form-data (as python-requests writes it)
# when one is, and accepts only an answer whose status the document lists
# for the operation.  The workflow is pulp-cli's: status, a repository,
# `file content upload` without and with --chunk-size, a checkpoint
# publication and distribution; then the checkpoint URL serves the bytes.
my $tag = unique('glue');
my $base = 'http://' . hostport();
my $json = JSON::PP->new->canonical;
my $ua = LWP::UserAgent->new(timeout => 60, max_redirect => 0);
$ua->default_header('User-Agent' => 'Pulp-glue openapi parser (0.38.4)', Accept => 'application/json');
my $auth = 'Basic ' . do { require MIME::Base64; MIME::Base64::encode_base64("admin:$ENV{CKPT_ADMIN_PASSWORD}", '') };

# The document, as pulp-glue fetches it: no credentials.
my $res = $ua->get($base . API . 'docs/api.json');
is($res->code, 200, 'docs/api.json without credentials') or BAIL_OUT($res->content);
my $doc = json_of($res);
my %ops;
for my $path (keys %{ $doc->{paths} }) {
    for my $m (keys %{ $doc->{paths}{$path} }) {
        $ops{ $doc->{paths}{$path}{$m}{operationId} } = [ $m, $path ];
    }
}

# requests' multipart/form-data: the data fields, then the files, each
# file with its name and application/octet-stream.
sub form {
    my ($body) = @_;
    my $b = join '', map { sprintf '%02x', int rand 256 } 1 .. 16;
    my $out = '';
    for my $k (grep { ref $body->{$_} ne 'ARRAY' } sort keys %$body) {
        $out .= "--$b\r\nContent-Disposition: form-data; name=\"$k\"\r\n\r\n$body->{$k}\r\n";
    }
    for my $k (grep { ref $body->{$_} eq 'ARRAY' } sort keys %$body) {
        my ($name, $bytes) = @{ $body->{$k} };
        $out .= "--$b\r\nContent-Disposition: form-data; name=\"$k\"; filename=\"$name\"\r\n"
            . "Content-Type: application/octet-stream\r\n\r\n$bytes\r\n";
    }
    return ("multipart/form-data; boundary=$b", "$out--$b--\r\n");
}

# call(OPERATION_ID, {parameters}, {body}): as pulp-glue's OpenAPI.call.
sub call {
    my ($id, $params, $body) = @_;
    my $o = $ops{$id} or return fail("the document has $id");
    my ($method, $path) = @$o;
    my $spec = $doc->{paths}{$path}{$method};
    my (%p, @query, %headers) = %{ $params // {} };
    for my $ps (@{ $spec->{parameters} }) {
        next unless exists $p{ $ps->{name} };
        my $v = delete $p{ $ps->{name} };
        if ($ps->{in} eq 'path') { $path =~ s/\{\Q$ps->{name}\E\}/$v/ }
        elsif ($ps->{in} eq 'header') { $headers{ $ps->{name} } = $v }
        else { push @query, "$ps->{name}=" . uri_escape(ref $v ? join(',', @$v) : $v) }
    }
    for my $ps (grep { $_->{required} } @{ $spec->{parameters} }) {
        fail("$id: required parameter $ps->{name} missing") unless $ps->{in} eq 'path' || $headers{ $ps->{name} };
    }
    ok(!%p, "$id declares " . join(', ', sort keys %{ $params // {} })) or diag join ', ', keys %p;
    my $req = HTTP::Request->new(uc $method => $base . $path . (@query ? '?' . join('&', @query) : ''));
    # An operation whose security is [{}] needs no credentials: none are sent.
    $req->header(Authorization => $auth) unless $spec->{security} && !%{ $spec->{security}[0] };
    $req->header($_ => $headers{$_}) for keys %headers;
    if ($body) {
        my $types = $spec->{requestBody}{content};
        if (grep { ref eq 'ARRAY' } values %$body) {
            ok($types->{'multipart/form-data'}, "$id takes multipart/form-data");
            my ($ct, $bytes) = form($body);
            $req->header('Content-Type' => $ct);
            $req->content($bytes);
        }
        else {
            ok($types->{'application/json'}, "$id takes application/json");
            $req->header('Content-Type' => 'application/json');
            $req->content($json->encode($body));
        }
    }
    my $r = $ua->request($req);
    ok($spec->{responses}{ $r->code }, "$id: " . $r->code . ' is a status the document lists') or diag $r->content;
    like($r->header('Content-Type') // 'application/json', qr{^application/json$}, "$id: JSON or nothing");
    return ($r->code, json_of($r));
}

my ($code, $out) = call('status_read');
is($code, 200, 'pulp status');

# pulp file repository create --name; then looked up by name, as --repository does.
($code, my $repo) = call('repositories_file_file_create', {}, { name => $tag });
is($code, 201, 'repository create');
($code, $out) = call('repositories_file_file_list', { name => $tag, offset => 0, limit => 1 });
is($out->{results}[0]{pulp_href}, $repo->{pulp_href}, 'found by name');

# pulp file content upload --file small --relative-path ... --repository (no chunking).
my $small = "small file $tag\n";
($code, my $unit) = call('content_file_files_create', {},
    { relative_path => "$tag/small.txt", repository => $repo->{pulp_href}, file => [ 'small.txt', $small ] });
is($code, 201, 'a multipart upload');
is($unit->{sha256}, sha256_hex($small), 'of those bytes');

# pulp file content upload --chunk-size 4000: uploads/ and its chunks, then
# content create naming the upload.
my $big = join '', map { chr(($_ * 31 + 7) % 256) } 1 .. 10500;
my $size = length $big;
($code, my $up) = call('uploads_create', {}, { size => $size });
is($code, 201, 'uploads create');
for (my $start = 0; $start < $size; $start += 4000) {
    my $chunk = substr($big, $start, 4000);
    my $end = $start + length($chunk) - 1;
    ($code, $out) = call('uploads_update', { upload_href => $up->{pulp_href}, 'Content-Range' => "bytes $start-$end/$size" },
        { sha256 => sha256_hex($chunk), file => [ 'file', $chunk ] });
    is($code, 200, "chunk $start-$end");
}
($code, my $bigunit) = call('content_file_files_create', {},
    { relative_path => "$tag/dir/big.bin", upload => $up->{pulp_href}, repository => $repo->{pulp_href} });
is($code, 201, 'content create with upload=');
is($bigunit->{sha256}, sha256_hex($big), 'of the chunks put together');
($code, $out) = call('uploads_read', { upload_href => $up->{pulp_href} });
is($code, 404, 'the upload is used up');

# pulp file repository version list
($code, $out) = call('repositories_file_file_versions_list', { file_file_repository_href => $repo->{pulp_href}, offset => 0, limit => 100 });
is($out->{results}[0]{number}, 2, 'two uploads, two versions');

# pulp file publication create --repository --checkpoint; distribution create --checkpoint.
($code, my $pub) = call('publications_file_file_create', {}, { repository => $repo->{pulp_href}, checkpoint => JSON::PP::true() });
is($code, 201, 'a checkpoint publication');
($code, my $dist) = call('distributions_file_file_create', {},
    { name => $tag, base_path => $tag, repository => $repo->{pulp_href}, checkpoint => JSON::PP::true() });
is($code, 201, 'a checkpoint distribution');

# The checkpoint URL serves the bytes.
cache_settle();
my $index = $ua->get($base . CONTENT . "$tag/");
is($index->code, 200, 'the checkpoint index');
# Asked with pulp-glue's Accept: application/json, the index is JSON.
my $ts = (json_of($index) // {})->{results}[0]{timestamp};
ok($ts, 'names the checkpoint') or diag $index->content;
my $got = $ua->get($base . CONTENT . "$tag/$ts/$tag/small.txt");
is($got->code, 200, 'the small file under the checkpoint');
is($got->content, $small, 'its bytes');
$got = $ua->get($base . CONTENT . "$tag/$ts/$tag/dir/big.bin");
is($got->code, 200, 'the chunked file under the checkpoint');
ok($got->content eq $big, 'its bytes, all ' . $size);

done_testing();
