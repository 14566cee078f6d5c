use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use lib 't/lib';
use CkptTest;
use CkptSchema ();

# docs/api.json: an OpenAPI 3 document, fetched without credentials as
# pulp-glue does, that parses and holds together (every $ref resolves,
# operation ids are unique, path parameters are declared), and that
# matches the router: every path answers each method it lists (never
# 405) with a status it lists, and 405 for every other method; every
# list takes exactly the query parameters it lists; every answer fits
# its response schema.
my $tag = unique('oa');
my $url = 'http://' . Apache::TestRequest::hostport() . API . 'docs/api.json';
my $res = anon_ua()->get($url);
is($res->code, 200, 'docs/api.json without credentials') or diag $res->content;
is($res->header('Content-Type'), 'application/json', 'as application/json');
my $doc = json_of($res);
ok($doc, 'parses as JSON') or BAIL_OUT('no document');

# Structure (OpenAPI 3.0).
like($doc->{openapi}, qr/^3\.0\.\d+$/, 'openapi 3.0.x');
ok($doc->{info}{title} && $doc->{info}{version}, 'info.title and info.version');
my $apps = $doc->{info}{'x-pulp-app-versions'};
like($apps->{$_} // '', qr/^\d+\.\d+\.\d+$/, "x-pulp-app-versions names $_") for qw(core file);
my %st = map { $_->{component} => $_->{version} }
    @{ json_of(anon_ua()->get('http://' . Apache::TestRequest::hostport() . API . 'status/'))->{versions} };
is($st{$_}, $apps->{$_}, "status/ reports the same $_ version") for qw(core file);
is_deeply($doc->{components}{securitySchemes}{basicAuth}, { type => 'http', scheme => 'basic' },
    'a Basic security scheme');
is_deeply($doc->{security}, [ { basicAuth => [] } ], 'required by default');

my $schemas = $doc->{components}{schemas};
my (@bad, %ids);
my $walk;
$walk = sub {
    my ($v, $at) = @_;
    if (ref $v eq 'HASH') {
        if (my $r = $v->{'$ref'}) {
            push @bad, "$at: $r" unless $r =~ m{^#/components/schemas/(.+)$} && $schemas->{$1};
        }
        $walk->($v->{$_}, "$at/$_") for keys %$v;
    }
    elsif (ref $v eq 'ARRAY') { $walk->($v->[$_], "$at/$_") for 0 .. $#$v }
};
$walk->($doc, '');
is_deeply(\@bad, [], 'every $ref resolves');

my @ops;
for my $path (sort keys %{ $doc->{paths} }) {
    for my $m (sort keys %{ $doc->{paths}{$path} }) {
        my $op = $doc->{paths}{$path}{$m};
        push @ops, [ $path, $m, $op ];
        $ids{ $op->{operationId} }++;
        my @pp = map { $_->{name} } grep { $_->{in} eq 'path' } @{ $op->{parameters} };
        my @in = $path =~ /\{(\w+)\}/g;
        is_deeply(\@pp, \@in, "$op->{operationId}: path parameters declared");
        ok(!grep({ !/^[1-5]\d\d$/ } keys %{ $op->{responses} }) && %{ $op->{responses} },
            "$op->{operationId}: responses are status codes");
        ok(!grep({ !$_->{schema} || $_->{in} !~ /^(path|query|header)$/ } @{ $op->{parameters} }),
            "$op->{operationId}: parameters have a place and a schema");
    }
}
is_deeply([ grep { $ids{$_} > 1 } keys %ids ], [], 'operation ids are unique');
ok($ids{$_}, "Pulp's $_") for qw(status_read repositories_file_file_list repositories_file_file_create
    repositories_file_file_read repositories_file_file_partial_update repositories_file_file_delete
    repositories_file_file_modify repositories_file_file_versions_list content_file_files_create
    publications_file_file_create distributions_file_file_create uploads_create uploads_list
    uploads_read uploads_update uploads_delete uploads_commit remotes_file_file_list
    remotes_file_file_create remotes_file_file_read remotes_file_file_update
    remotes_file_file_partial_update remotes_file_file_delete repositories_file_file_sync
    tasks_list tasks_read tasks_cancel tasks_delete);

# Objects to address.
my $repo = json_of(api('POST', API . 'repositories/file/file/', { name => $tag }));
my $unit = json_of(upload("x $tag", relative_path => "$tag/x"));
modify($repo, add => [ $unit->{pulp_href} ]);
my $pub = json_of(api('POST', API . 'publications/file/file/', { repository => $repo->{pulp_href} }));
my $dist = json_of(api('POST', API . 'distributions/file/file/',
    { name => $tag, base_path => $tag, publication => $pub->{pulp_href} }));
my $upload = json_of(api('POST', API . 'uploads/', { size => 3 }));
my $remote = json_of(api('POST', API . 'remotes/file/file/', { name => $tag, url => "http://127.0.0.1:1/$tag/" }));
# A task (no worker runs here: it stays waiting).
my $task = json_of(api('POST', "$repo->{pulp_href}sync/", { remote => $remote->{pulp_href} }));
my $none = '00000000-0000-0000-0000-000000000000';
my %real = (file_file_repository_href => $repo->{pulp_href},
    file_file_repository_version_href => "$repo->{pulp_href}versions/1/",
    file_file_content_href => $unit->{pulp_href}, file_file_publication_href => $pub->{pulp_href},
    file_file_distribution_href => $dist->{pulp_href}, upload_href => $upload->{pulp_href},
    file_file_remote_href => $remote->{pulp_href}, task_href => $task->{task});
my %missing = (file_file_repository_href => API . "repositories/file/file/$none/",
    file_file_repository_version_href => "$repo->{pulp_href}versions/99/",
    file_file_content_href => API . "content/file/files/$none/",
    file_file_publication_href => API . "publications/file/file/$none/",
    file_file_distribution_href => API . "distributions/file/file/$none/",
    upload_href => API . "uploads/$none/",
    file_file_remote_href => API . "remotes/file/file/$none/", task_href => API . "tasks/$none/");
sub fill { my ($path, $h) = @_; $path =~ s/\{(\w+)\}/$h->{$1}/g; return $path }

# The router: listed methods are routed and answer a listed status; the
# others are 405.  Writes go to objects that do not exist, or carry a
# field no operation knows, so that nothing changes.
for my $path (sort keys %{ $doc->{paths} }) {
    my $item = $doc->{paths}{$path};
    my $target = fill($path, \%missing);
    for my $m (qw(get post put patch delete)) {
        my $op = $item->{$m};
        my $r = $m eq 'get' ? api('GET', $path =~ /\{/ ? fill($path, \%real) : $target)
              : $m eq 'delete' ? api('DELETE', $target)
              : api(uc $m, $target, { "no_such_field_$tag" => 1 });
        if (!$op) {
            is($r->code, 405, "\U$m\E $path: 405, not in the document");
            next;
        }
        isnt($r->code, 405, "$op->{operationId}: routed");
        ok($op->{responses}{ $r->code }, "$op->{operationId}: answered " . $r->code . ', a listed status')
            or diag $r->content;
    }
}

# Answers fit their schemas (OpenAPI 3.0's nullable made JSON Schema's null).
sub fits {
    my ($op, $r, $what) = @_;
    my $s = $op->{responses}{ $r->code }{content}{'application/json'}{schema} or return;
    my @e = CkptSchema::openapi_validate($doc, $s, json_of($r));
    is_deeply(\@e, [], "$op->{operationId}: $what fits its schema");
}
for my $o (grep { $_->[1] eq 'get' } @ops) {
    my ($path, undef, $op) = @$o;
    fits($op, api('GET', fill($path, \%real)), 'the answer');
}

# Every list takes its listed query parameters, and refuses others by name.
my %value = (name => $tag, number => 1, relative_path => "$tag/x", sha256 => $unit->{sha256},
    repository_version => "$repo->{pulp_href}versions/1/",
    repository_version_added => "$repo->{pulp_href}versions/1/",
    repository_version_removed => "$repo->{pulp_href}versions/1/",
    repository => $repo->{pulp_href}, checkpoint => 'false', base_path => $tag,
    limit => 1, offset => 0, fields => 'pulp_href', exclude_fields => 'pulp_href',
    ordering => '-pulp_created', size => 3, size__gt => 0, size__lt => 4,
    map({ ("name__$_" => $tag, "base_path__$_" => $tag) } qw(startswith contains icontains in)),
    state => 'waiting', state__in => 'waiting,failed', worker => $tag,
    created_resources => "$repo->{pulp_href}versions/1/", reserved_resources => $repo->{pulp_href},
    reserved_resources__in => "$repo->{pulp_href},$remote->{pulp_href}", exclusive_resources => $repo->{pulp_href},
    exclusive_resources__in => $repo->{pulp_href}, shared_resources => $remote->{pulp_href},
    shared_resources__in => $remote->{pulp_href});
for my $o (grep { $_->[0] =~ m{/$} && $_->[1] eq 'get' && $_->[2]{operationId} =~ /_list$/ } @ops) {
    my ($path, undef, $op) = @$o;
    my $base = fill($path, \%real);
    for my $p (grep { $_->{in} eq 'query' } @{ $op->{parameters} }) {
        ok(exists $value{ $p->{name} }, "$op->{operationId}: a value to try for $p->{name}") or next;
        my $r = api('GET', "$base?$p->{name}=$value{ $p->{name} }");
        is($r->code, 200, "$op->{operationId}: takes $p->{name}") or diag $r->content;
    }
    my $r = api('GET', "$base?undocumented_$tag=1");
    is($r->code, 400, "$op->{operationId}: an unlisted parameter is 400");
    ok(json_of($r)->{"undocumented_$tag"}, 'naming it');
}
# Every read takes its listed query parameters (fields, exclude_fields), and no other.
for my $o (grep { $_->[0] =~ /^\{/ && $_->[1] eq 'get' && $_->[2]{operationId} !~ /_list$/ } @ops) {
    my ($path, undef, $op) = @$o;
    my $url = fill($path, \%real);
    for my $p (grep { $_->{in} eq 'query' } @{ $op->{parameters} }) {
        my $r = api('GET', "$url?$p->{name}=pulp_href");
        is($r->code, 200, "$op->{operationId}: takes $p->{name}") or diag $r->content;
    }
    my $r = api('GET', "$url?undocumented_$tag=1");
    is($r->code, 400, "$op->{operationId}: an unlisted parameter is 400");
}

# What the document leaves out is not there.
for my $p ('task-groups/', 'workers/', 'remotes/rpm/rpm/') {
    is(api('GET', API . $p)->code, 404, "$p is not served, and not in the document");
}

# The waiting task goes, so that no later test's worker runs it.
is(api('PATCH', $task->{task}, { state => 'canceled' })->code, 200, 'the task made here is canceled');

done_testing();
