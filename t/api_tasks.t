use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use File::Path qw(make_path remove_tree);
use JSON::PP ();
use lib 't/lib';
use CkptTest;
use CkptWorker;

# Sync through the API (issue 11), as pulp-cli drives it: a remote, POST
# sync/ answering 202 {"task": href}, the task polled (tasks_read) until
# it is completed, run by `checkpoint worker`; what fails leaves the
# repository as it was with the task failed and saying why; cancel.
my $tag = unique('tasks');
my $docroot = Apache::Test::vars('documentroot');
my $work = "$docroot/$tag";
my $base = 'http://' . hostport();

# A Pulp file remote served by the test httpd: files and their manifest
# (or the manifest given).
sub remote_tree {
    my ($name, $files, $manifest) = @_;
    my $d = "$work/$name";
    remove_tree($d);
    write_file("$d/$_", $files->{$_}) for keys %$files;
    $manifest //= join '', map { "$_," . sha256_hex($files->{$_}) . ',' . length($files->{$_}) . "\n" }
        sort keys %$files;
    write_file("$d/PULP_MANIFEST", $manifest);
    return "$base/$tag/$name/";
}
sub latest { json_of(api('GET', $_[0]{pulp_href}))->{latest_version_href} }

my ($wpid, $wname) = worker_start();

# --- pulp-glue's exchanges: the document, remote create, lookups, sync, poll -
my %files = ('dists/stable/Release' => "Release $tag\n", 'pool/a.deb' => ('a' x 5000),
             'with space/b c' => "b c\n");
my $url = remote_tree('one', \%files);
my $doc = json_of(anon_ua()->get($base . API . 'docs/api.json'));
ok($doc->{paths}{ API . 'remotes/file/file/' }{post}, 'the document has remotes_file_file_create');
my $res = api('POST', API . 'remotes/file/file/', { name => $tag, url => $url, policy => 'immediate' });
is($res->code, 201, 'pulp file remote create') or diag $res->content;
my $remote = json_of($res);
my $repo = new_repo(name => $tag);
# `pulp file repository sync --name R --remote X`: both looked up by name.
my $found = json_of(api('GET', API . "repositories/file/file/?name=$tag&offset=0&limit=1"));
is($found->{results}[0]{pulp_href}, $repo->{pulp_href}, 'the repository found by name');
$found = json_of(api('GET', API . "remotes/file/file/?name=$tag&offset=0&limit=1"));
is($found->{results}[0]{pulp_href}, $remote->{pulp_href}, 'the remote found by name');
$res = api('POST', "$repo->{pulp_href}sync/", { remote => $remote->{pulp_href}, mirror => JSON::PP::true() });
is($res->code, 202, 'sync: 202') or diag $res->content;
my $ref = json_of($res);
is_deeply([ keys %$ref ], ['task'], 'answers only {"task": href}, as pulp-glue expects');
like($ref->{task}, qr{^\Q@{[API]}\Etasks/[0-9a-f-]{36}/$}, 'a task href');
my $t = json_of(api('GET', $ref->{task}));
like($t->{state}, qr/^(waiting|running|completed)$/, "read at once: $t->{state}");
is($t->{name}, 'pulp_file.app.tasks.synchronizing.synchronize', "pulp_file's task name");
is_deeply($t->{reserved_resources_record},
          [ $repo->{pulp_href}, "shared:$remote->{pulp_href}" ], 'reserved_resources_record');
$t = wait_task($ref->{task});
is($t->{state}, 'completed', 'polled until completed') or diag explain $t;
is($t->{error}, undef, 'no error');
like($t->{started_at} // '', qr/^\d{4}-.*Z$/, 'started_at');
like($t->{finished_at} // '', qr/^\d{4}-.*Z$/, 'finished_at');
ok($t->{finished_at} ge $t->{started_at}, 'finished after it started');
is($t->{worker}, $wname, 'worker names the worker that ran it');
is_deeply($t->{created_resources}, [ "$repo->{pulp_href}versions/1/" ], 'created_resources names the new version');
is(latest($repo), "$repo->{pulp_href}versions/1/", 'which is the latest');
my $v = json_of(api('GET', $t->{created_resources}[0]));
is($v->{content_summary}{added}{'file.file'}{count}, 3, 'holding the three files');
is(json_of(api('GET', API . 'content/file/files/?repository_version=' . "$repo->{pulp_href}versions/1/"))->{count},
   3, 'as content');
ok(!grep({ $_->{state} eq 'running' } @{ json_of(api('GET', API . 'tasks/?limit=1000'))->{results} }),
   'no task left running');

# The checkpoint URLs serve what was synced.
my $pub = json_of(api('POST', API . 'publications/file/file/', { repository => $repo->{pulp_href}, checkpoint => JSON::PP::true() }));
api('POST', API . 'distributions/file/file/', { name => $tag, base_path => $tag, repository => $repo->{pulp_href},
    checkpoint => JSON::PP::true() });
cache_settle();
(my $ts = $pub->{pulp_created}) =~ s/^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d).*/$1$2$3T$4$5$6Z/;
for my $f (sort keys %files) {
    (my $e = $f) =~ s/ /%20/g;
    my $r = Apache::TestRequest::GET(CONTENT . "$tag/$ts/$e");
    is($r->code, 200, "the checkpoint serves $f");
    is($r->content, $files{$f}, 'with the synced bytes');
}

# A re-sync of the unchanged remote completes and makes nothing.
$t = wait_task(json_of(api('POST', "$repo->{pulp_href}sync/", { remote => $remote->{pulp_href} }))->{task});
is($t->{state}, 'completed', 'a re-sync completes');
is_deeply($t->{created_resources}, [], 'and creates nothing');

# mirror false (the default, as in Pulp) adds; mirror true makes the version the remote.
remote_tree('one', { 'new' => "new $tag\n" });
$t = wait_task(json_of(api('POST', "$repo->{pulp_href}sync/", { remote => $remote->{pulp_href} }))->{task});
is(json_of(api('GET', $t->{created_resources}[0] // ''))->{content_summary}{present}{'file.file'}{count}, 4,
   'mirror false: added over the latest version');
$t = wait_task(json_of(api('POST', "$repo->{pulp_href}sync/", { remote => $remote->{pulp_href}, mirror => JSON::PP::true() }))->{task});
is(json_of(api('GET', $t->{created_resources}[0] // ''))->{content_summary}{present}{'file.file'}{count}, 1,
   'mirror true: exactly the remote');

# --- failing syncs: failed, why, the repository as it was -----------------
my $before = latest($repo);
my $fresh = "fresh $tag\n";
my %failing = (
    'a 404 in the manifest' => [ { 'a' => "a\n" }, "a,@{[sha256_hex(\"a\n\")]},2\nmissing,@{[sha256_hex('m')]},1\n",
                                 qr/missing.*404/ ],
    'a wrong digest' => [ { 'f' => $fresh }, "f,@{[sha256_hex('other')]},@{[length $fresh]}\n", qr/sha256/ ],
    'a malformed manifest' => [ { 'f' => $fresh }, "f,nothex,1\n", qr/PULP_MANIFEST line 1/ ],
);
for my $what (sort keys %failing) {
    my ($f, $m, $why) = @{ $failing{$what} };
    my $u = remote_tree('bad', $f, $m);
    api('PATCH', $remote->{pulp_href}, { url => $u });
    $t = wait_task(json_of(api('POST', "$repo->{pulp_href}sync/", { remote => $remote->{pulp_href} }))->{task});
    is($t->{state}, 'failed', "$what: the task failed");
    like($t->{error}{description} // '', $why, "$what: error.description says why") or diag explain $t->{error};
    ok(defined $t->{error}{traceback}, "$what: error has Pulp's traceback field");
    is_deeply($t->{created_resources}, [], "$what: created nothing");
}
is(latest($repo), $before, 'the repository is as it was');
$found = json_of(api('GET', API . "tasks/?state=failed&reserved_resources=$repo->{pulp_href}"));
is($found->{count}, 3, 'tasks/?state=failed&reserved_resources= finds the three');
$found = json_of(api('GET', API . "tasks/?state__in=failed,canceled&worker=$wname&ordering=-finished_at"));
ok($found->{count} >= 3, 'state__in, worker and ordering');
ok($found->{results}[0]{finished_at} ge $found->{results}[1]{finished_at}, 'newest finished first');
$found = json_of(api('GET', API . "tasks/?created_resources=$repo->{pulp_href}versions/1/"));
is($found->{count}, 1, 'created_resources finds the task that made version 1');
my $fr = $remote->{pulp_href};
my %want = ("exclusive_resources=$repo->{pulp_href}" => 1, "shared_resources=$fr" => 1,
            "exclusive_resources=$fr" => 0, "shared_resources=$repo->{pulp_href}" => 0,
            "reserved_resources__in=$fr,$repo->{pulp_href}" => 1,
            "exclusive_resources__in=$fr,$repo->{pulp_href}" => 1, "shared_resources__in=$fr" => 1,
            "shared_resources__in=$repo->{pulp_href}" => 0,
            "reserved_resources__in=&exclusive_resources__in=&shared_resources__in=&reserved_resources=$repo->{pulp_href}" => 1);
for my $q (sort keys %want) {
    $res = api('GET', API . "tasks/?state=failed&$q");
    is($res->code, 200, "tasks/?$q") or diag $res->content;
    is(json_of($res)->{count}, $want{$q} ? 3 : 0, $want{$q} ? 'finds them' : 'finds none');
}
for my $q ('state=done', 'state__in=running,later', 'ordering=size', 'created_resources=http://elsewhere/x/',
           'reserved_resources__in=/x/,/y/', 'pulp_id=1') {
    (my $name = $q) =~ s/=.*//;
    $res = api('GET', API . "tasks/?$q");
    is($res->code, 400, "tasks/?$q is 400");
    ok(json_of($res)->{$name}, "naming $name");
}

# The remote's connection fields reach the sync: Basic auth, and a proxy.
my $private = "$docroot/private/$tag";
write_file("$private/secret", "secret $tag\n");
write_file("$private/PULP_MANIFEST", "secret," . sha256_hex("secret $tag\n") . ",@{[length \"secret $tag\n\"]}\n");
system('htpasswd', '-bc', "$docroot/private-users", 'alice', "pw-$tag") == 0 or die 'htpasswd';
my $auth = json_of(api('POST', API . 'remotes/file/file/', { name => "$tag-auth", url => "$base/private/$tag/" }));
my $arepo = new_repo();
$t = wait_task(json_of(api('POST', "$arepo->{pulp_href}sync/", { remote => $auth->{pulp_href} }))->{task});
is($t->{state}, 'failed', 'a remote behind Basic auth, without credentials: failed');
like($t->{error}{description}, qr/401/, 'with the 401');
api('PATCH', $auth->{pulp_href}, { username => 'alice', password => "pw-$tag" });
$t = wait_task(json_of(api('POST', "$arepo->{pulp_href}sync/", { remote => $auth->{pulp_href} }))->{task});
is($t->{state}, 'completed', 'with username and password: completed') or diag explain $t->{error};
api('PATCH', $auth->{pulp_href}, { proxy_url => 'http://127.0.0.1:1' });
$t = wait_task(json_of(api('POST', "$arepo->{pulp_href}sync/", { remote => $auth->{pulp_href} }))->{task});
is($t->{state}, 'failed', 'through a proxy that is not there: failed');
like($t->{error}{description}, qr/127\.0\.0\.1|proxy|connect/i, 'the sync went to the proxy') or diag $t->{error}{description};

# A repository's own remote (pulp-cli: repository create --remote): a sync
# that names none uses it; deleting the remote clears it.
my $own = json_of(api('POST', API . 'remotes/file/file/', { name => "$tag-own", url => remote_tree('own', { o => "own\n" }) }));
$res = api('POST', API . 'repositories/file/file/', { name => "$tag-own", remote => $own->{pulp_href} });
is($res->code, 201, 'a repository with a remote') or diag $res->content;
my $orepo = json_of($res);
is($orepo->{remote}, $own->{pulp_href}, 'answers it');
is(json_of(api('GET', $repo->{pulp_href}))->{remote}, undef, 'a repository without one: null');
$t = wait_task(json_of(api('POST', "$orepo->{pulp_href}sync/", {}))->{task});
is($t->{state}, 'completed', 'sync with no remote given uses the repository\'s') or diag explain $t->{error};
is_deeply($t->{reserved_resources_record}, [ $orepo->{pulp_href}, "shared:$own->{pulp_href}" ], 'that remote');
$res = api('PATCH', $orepo->{pulp_href}, { remote => API . 'remotes/file/file/00000000-0000-0000-0000-000000000000/' });
is($res->code, 400, 'a remote that is not there: 400');
ok(json_of($res)->{remote}, 'naming remote');
$res = api('PATCH', $orepo->{pulp_href}, { remote => $orepo->{pulp_href} });
is($res->code, 400, 'an href that is no remote: 400');
is(api('DELETE', $own->{pulp_href})->code, 204, 'the remote deleted');
is(json_of(api('GET', $orepo->{pulp_href}))->{remote}, undef, 'the repository\'s remote is null then');

# --- the request itself -----------------------------------------------------
for my $b ([ {}, 'remote' ], [ { remote => 'http://x/' }, 'remote' ],
           [ { remote => $remote->{pulp_href}, mirror => 'yes' }, 'mirror' ],
           [ { remote => API . 'remotes/file/file/00000000-0000-0000-0000-000000000000/' }, 'remote' ],
           [ { remote => $remote->{pulp_href}, sync_policy => 'additive' }, 'sync_policy' ]) {
    $res = api('POST', "$repo->{pulp_href}sync/", $b->[0]);
    is($res->code, 400, 'sync with ' . JSON::PP::encode_json($b->[0]) . ': 400');
    ok(json_of($res)->{ $b->[1] }, "naming $b->[1]") or diag $res->content;
}
is(api('POST', API . 'repositories/file/file/00000000-0000-0000-0000-000000000000/sync/',
       { remote => $remote->{pulp_href} })->code, 404, 'sync of an unknown repository: 404');
is(api('GET', "$repo->{pulp_href}sync/")->code, 405, 'GET sync/: 405');

# --- cancel -------------------------------------------------------------------
my %left = map { $_ => 1 } tmp_files();   # what earlier tests' kills left
my ($slow, $spid) = slow_remote('slow/one' => ('s' x 60), 'slow/two' => "two $tag\n");
my $sremote = json_of(api('POST', API . 'remotes/file/file/', { name => "$tag-slow", url => $slow }));
my $srepo = new_repo();
my $href = json_of(api('POST', "$srepo->{pulp_href}sync/", { remote => $sremote->{pulp_href} }))->{task};
$t = wait_state($href, ['running']);
is($t->{state}, 'running', 'a slow sync is running');
$res = api('DELETE', $href);
is($res->code, 409, 'a running task cannot be deleted (409)');
$res = api('PATCH', $href, { state => 'running' });
is($res->code, 400, 'PATCH to another state: 400');
like(json_of($res)->{state}[0], qr/only acceptable value/, 'as Pulp words it');
$res = api('PATCH', $href, { state => 'canceled' });
is($res->code, 200, 'cancel: 200');
like(json_of($res)->{state}, qr/^cancel(ing|ed)$/, 'canceling (the worker stops it)');
$t = wait_task($href, 20);
is($t->{state}, 'canceled', 'then canceled');
is(latest($srepo), "$srepo->{pulp_href}versions/0/", 'the repository is as it was');
is_deeply([ grep { !$left{$_} } tmp_files() ], [], 'no download left in storage/tmp');
$res = api('PATCH', $href, { state => 'canceled' });
is($res->code, 200, 'canceling a canceled task again: 200');
$res = api('PATCH', $ref->{task}, { state => 'canceled' });
is($res->code, 409, 'canceling a completed task: 409');
is(json_of($res)->{state}, 'completed', 'with the task as it is');

# A waiting task is canceled at once and never runs.
worker_stop($wpid);
$href = json_of(api('POST', "$repo->{pulp_href}sync/", { remote => $remote->{pulp_href} }))->{task};
is(json_of(api('GET', $href))->{state}, 'waiting', 'with no worker, a task waits');
$res = api('PATCH', $href, { state => 'canceled' });
is(json_of($res)->{state}, 'canceled', 'a waiting task is canceled at once');
ok(json_of($res)->{finished_at}, 'with finished_at');
($wpid) = worker_start();
sleep 2;
is(json_of(api('GET', $href))->{state}, 'canceled', 'and a worker never runs it');

# Delete a finished task.
is(api('DELETE', $href)->code, 204, 'DELETE of a finished task: 204');
is(api('GET', $href)->code, 404, 'gone');
is(api('DELETE', API . 'tasks/00000000-0000-0000-0000-000000000000/')->code, 404, 'an unknown task: 404');
is(api('POST', API . 'tasks/', {})->code, 405, 'POST tasks/: 405');

ok(defined worker_stop($wpid), 'the worker ends on SIGTERM');
slow_remote_stop($spid);
remove_tree($work, "$docroot/private/$tag");
unlink "$docroot/private-users";
done_testing();
