use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Test::More;
use POSIX qw(strftime);
use JSON::PP ();
use Digest::SHA qw(sha256_hex);
use lib 't/lib';
use CkptFixture;
use CkptLinkFormat;
use CkptSchema;
use CkptTest qw(cache_settle);

# Issue 12: time travel beyond one checkpoint.  A path's history over four
# checkpoints: a.txt changes, stays, changes; gone.txt goes and comes
# back; new.txt comes and goes; dists/Release changes twice.
my $r = fx_repository('tt-main');
my @v = (
    fx_version($r, { 'a.txt' => "a1\n", 'dists/Release' => "r1\n", 'gone.txt' => "g\n" }),
    fx_version($r, { 'a.txt' => "a2\n", 'dists/Release' => "r2\n", 'gone.txt' => "g\n", 'new.txt' => "n\n" }),
    fx_version($r, { 'a.txt' => "a2\n", 'dists/Release' => "r3\n", 'new.txt' => "n\n" }),
    fx_version($r, { 'a.txt' => "a4\n", 'dists/Release' => "r3\n", 'gone.txt' => "g\n" }),
);
my @c = qw(20240301T100000Z 20240301T110000Z 20240302T100000Z 20240303T100000Z);
my @when = ('2024-03-01 10:00:00.100000', '2024-03-01 11:00:00.200000', '2024-03-02 10:00:00.300000',
            '2024-03-03 10:00:00.400000');
my @pubs = map { fx_publication($r, $v[$_], checkpoint => 1, created => $when[$_]) } 0 .. 3;
fx_distribution('tt', repository => $r, checkpoint => 1);

my $json = JSON::PP->new;
my $abs = content_url('');        # http://host/pulp/content/
(my $path_prefix = $abs) =~ s{^https?://[^/]+}{};   # /pulp/content/
my $serve = 'http://' . Apache::TestRequest::hostport() . '/pulp/serve/';

sub http_date { my ($ts) = @_; my ($y, $m, $d, $H, $M, $S) = $ts =~ /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/;
    require Time::Local; return strftime('%a, %d %b %Y %H:%M:%S GMT', gmtime(Time::Local::timegm($S, $M, $H, $d, $m - 1, $y))) }
sub rels { my %by; push @{ $by{$_->{rel}} }, $_ for parse_links($_[0] // ''); return \%by }
sub body_json { my ($res) = @_; my $v = eval { $json->decode($res->content) }; return $v }
sub get_abs { my ($url, @h) = @_; return ua()->request(HTTP::Request->new(GET => $url, [@h])) }

subtest 'a memento: Memento-Datetime and Link (RFC 7089 section 2.2)' => sub {
    my $res = get_url("tt/$c[1]/a.txt");
    is($res->code, 200, 'answers 200');
    is($res->header('Memento-Datetime'), 'Fri, 01 Mar 2024 11:00:00 GMT', 'Memento-Datetime');
    my $l = rels($res->header('Link'));
    is($l->{'original timegate'}[0]{uri}, "${abs}tt/a.txt", 'original and TimeGate: the path without a time');
    is_deeply([sort map { $_->{type} } @{ $l->{timemap} }], ['application/json', 'application/link-format'],
        'two TimeMaps');
    is($l->{timemap}[0]{uri}, "${abs}tt/timemap/link/a.txt", 'link-format TimeMap');
    for ([ 'first memento', 0 ], [ 'prev memento', 0 ], [ 'next memento', 2 ], [ 'last memento', 3 ]) {
        my ($rel, $i) = @$_;
        is($l->{$rel}[0]{uri}, "${abs}tt/$c[$i]/a.txt", "$rel");
        is($l->{$rel}[0]{datetime}, http_date($c[$i]), "$rel datetime");
    }
    is(get_url("tt/$c[0]/a.txt")->header('Link') =~ /prev memento/ ? 1 : 0, 0, 'the first has no prev');
    is(get_url("tt/$c[1]/a.txt", 'GET', 'If-None-Match' => '"' . sha256_hex("a2\n") . '"')
        ->header('Memento-Datetime'), 'Fri, 01 Mar 2024 11:00:00 GMT', 'a 304 keeps them');
};

subtest "a checkpoint's top: a memento that links to its neighbours" => sub {
    my $res = get_url("tt/$c[1]/");
    is($res->code, 200, 'a listing');
    is($res->header('Memento-Datetime'), 'Fri, 01 Mar 2024 11:00:00 GMT', 'Memento-Datetime');
    is(rels($res->header('Link'))->{'original timegate'}[0]{uri}, "${abs}tt/", 'its original is the top');
    like($res->content, qr{</pre><hr><p>first <a rel="first" href="\.\./$c[0]/">$c[0]</a> \| previous <a rel="prev" href="\.\./$c[0]/">$c[0]</a> \| next <a rel="next" href="\.\./$c[2]/">$c[2]</a> \| last <a rel="last" href="\.\./$c[3]/">$c[3]</a></p>\n</body></html>\n$},
        'first, previous, next and last, after the listing');
    like(get_url("tt/$c[1]/dists/")->content, qr{</pre><hr></body></html>\n$}, 'deeper listings do not');
};

subtest 'the TimeGate: <base_path>/<path>' => sub {
    my $res = get_url('tt/a.txt');
    is($res->code, 302, 'without Accept-Datetime: 302');
    is($res->header('Location'), "${abs}tt/$c[3]/a.txt", 'to the latest');
    like($res->header('Vary') // '', qr/accept-datetime/i, 'Vary: accept-datetime');
    is($res->header('Cache-Control'), 'public, max-age=1', 'the latest: a second');
    is(rels($res->header('Link'))->{'original timegate'}[0]{uri}, "${abs}tt/a.txt", 'Link');
    $res = get_url('tt/a.txt', 'GET', 'Accept-Datetime' => 'Fri, 01 Mar 2024 10:30:00 GMT');
    is($res->code, 302, 'with Accept-Datetime: 302');
    is($res->header('Location'), "${abs}tt/$c[0]/a.txt", 'to the checkpoint then');
    is($res->header('Cache-Control'), 'public, max-age=60', 'short');
    is(get_url('tt/a.txt', 'GET', 'Accept-Datetime' => 'Fri, 01 Mar 2024 11:00:00 GMT')->header('Location'),
        "${abs}tt/$c[1]/a.txt", 'its very second');
    is(get_url('tt/a.txt', 'GET', 'Accept-Datetime' => 'Sat, 01 Jan 2100 00:00:00 GMT')->header('Location'),
        "${abs}tt/$c[3]/a.txt", 'the future: the latest');
    is(get_url('tt/a.txt', 'GET', 'Accept-Datetime' => '2024-03-01T10:30:00Z')->code, 400, 'malformed: 400');
    is(get_url('tt/a.txt', 'GET', 'Accept-Datetime' => 'Friday, 01-Mar-24 10:30:00 GMT')->code, 400,
        'RFC 850: 400');
    is(get_url('tt/a.txt', 'GET', 'Accept-Datetime' => 'Thu, 29 Feb 2024 10:30:00 GMT')->code, 404,
        'before the first checkpoint: 404');
    is(get_url('tt/new.txt', 'GET', 'Accept-Datetime' => 'Fri, 01 Mar 2024 10:30:00 GMT')->code, 404,
        'not there then: 404');
    is(get_url('tt/dists/')->header('Location'), "${abs}tt/$c[3]/dists/", 'a directory');
    is(get_url('tt/nothing/here')->code, 404, 'never there: 404');
    is(get_url('tt/invalid_ts/a.txt')->code, 404, "Pulp's malformed stamps stay 404");
    # a Memento client's round: TimeGate, then the memento it names
    $res = get_abs(get_url('tt/dists/Release', 'GET', 'Accept-Datetime' => 'Sat, 02 Mar 2024 12:00:00 GMT')
        ->header('Location'));
    is($res->content, "r3\n", 'the memento has the bytes of then');
    is($res->header('Memento-Datetime'), http_date($c[2]), 'and says when');
};

subtest 'YYYYMMDD: the end of that UTC day' => sub {
    my $res = get_url('tt/20240301/a.txt?x=1');
    is($res->code, 301, '301, like any inexact time');
    is($res->header('Location'), "${abs}tt/$c[1]/a.txt?x=1", 'to the last checkpoint of that day');
    is(get_url('tt/20240302')->header('Location'), "${abs}tt/$c[2]/", 'the day alone');
    is(get_url('tt/20240229/a.txt')->code, 404, 'before the first: 404');
    is(get_url('tt/20991231/a.txt')->code, 404, 'the future: 404');
    is(get_url('tt/20240230/a.txt')->code, 404, 'not a date: 404');
    is(get_url('tt/2024030/a.txt')->code, 404, 'seven digits: 404');
    $res = get_url('tt/' . strftime('%Y%m%d', gmtime) . '/a.txt');
    is($res->header('Location'), "${abs}tt/$c[3]/a.txt", 'today: by now');
    is($res->header('Cache-Control'), 'public, max-age=1', 'answered like a recent second');
};

subtest 'CheckpointInexact Serve: files in place, directories keep their 301' => sub {
    my $res = get_abs("${serve}tt/20240302T000000Z/a.txt");
    is($res->code, 200, 'answers 200');
    is($res->content, "a2\n", "the bytes of the checkpoint then");
    is($res->header('Content-Location'), "${serve}tt/$c[1]/a.txt", 'Content-Location: the exact URL');
    is($res->header('Memento-Datetime'), http_date($c[1]), 'Memento-Datetime');
    is($res->header('Cache-Control'), 'public, max-age=60', "a redirect's short Cache-Control");
    is($res->header('ETag'), '"' . sha256_hex("a2\n") . '"', 'its ETag');
    is(get_abs("${serve}tt/20240301/dists/Release")->content, "r2\n", 'a day too');
    $res = get_abs("${serve}tt/20240302T000000Z/dists");
    is($res->code, 301, 'a directory: 301');
    is($res->header('Location'), "${serve}tt/$c[1]/dists/", "straight to the checkpoint's directory");
    is(get_abs("${serve}tt/20240302T000000Z/nothing")->code, 404, 'nothing: 404');
    is(get_abs("${serve}tt/$c[1]/a.txt")->header('Cache-Control'), 'public, max-age=31536000, immutable',
        'an exact checkpoint stays immutable');
    is(get_url('tt/20240302T000000Z/a.txt')->code, 301, 'Redirect stays the default');
};

subtest 'the index as JSON (Accept: application/json), Vary: Accept' => sub {
    my $res = get_url('tt/', 'GET', Accept => 'application/json');
    is($res->code, 200, 'answers 200');
    like($res->header('Content-Type'), qr{^application/json}, 'JSON');
    like($res->header('Vary') // '', qr/Accept/, 'Vary: Accept');
    my $j = body_json($res);
    is_deeply([validate(schema('index'), $j)], [], 'valid against t/schema/index.json');
    is($j->{count}, 4, 'four checkpoints');
    is_deeply([map { $_->{timestamp} } @{ $j->{results} }], \@c, 'oldest first');
    is_deeply([map { $_->{repository_version} } @{ $j->{results} }], \@v, 'with their versions');
    is($j->{results}[0]{url}, "${path_prefix}tt/$c[0]/", 'url');
    is($j->{results}[0]{publication}, "/pulp/api/v3/publications/file/file/$pubs[0]/", 'publication href');
    is_deeply([map { $_->{timestamp} } @{ body_json(get_url('tt/?from=20240302', 'GET',
        Accept => 'application/json'))->{results} }], [ @c[2, 3] ], '?from=');
    is_deeply([map { $_->{timestamp} } @{ body_json(get_url("tt/?from=$c[1]&until=20240302", 'GET',
        Accept => 'application/json'))->{results} }], [ @c[1, 2] ], '?from=&until=');
    $res = get_url('tt/', 'GET', Accept => 'text/html,application/xhtml+xml,*/*;q=0.8');
    like($res->header('Content-Type'), qr{^text/html}, "a browser's Accept: HTML");
    like($res->header('Vary') // '', qr/Accept/, 'Vary: Accept there too');
    is(get_url('tt/?from=junk')->code, 400, 'a malformed bound: 400');
    my @ts = get_url('tt/?until=20240301')->content =~ m{<a href="(\d{8}T\d{6}Z)/">}g;
    is_deeply(\@ts, [ @c[0, 1] ], 'the HTML listing takes a range too');
};

subtest 'many checkpoints: the HTML index by year and month' => sub {
    my $m = fx_repository('tt-many');
    my $mv = fx_version($m, { 'x' => "x\n" });
    my $msha = fx_artifact(fx_manifest_of($m, $mv));
    sql("INSERT INTO publication (repository_id, repository_version_id, version_number, checkpoint,"
        . " checkpoint_second, manifest_sha256, pulp_created)"
        . " SELECT '$m', id, $mv, true, t, '$msha', t FROM repository_version,"
        . " generate_series(timestamptz '2023-11-20 00:00:00+00', timestamptz '2024-02-12 00:00:00+00',"
        . " interval '4 hours') t WHERE repository_id = '$m' AND number = $mv");
    fx_distribution('tt-many', repository => $m, checkpoint => 1);
    my $res = get_url('tt-many/');
    is($res->code, 200, 'answers 200');
    like($res->content, qr{<h2>2023</h2>\n<a href="\?from=20231101&amp;until=20231130">November 2023</a> \(66\)<br>\n<a href="\?from=20231201&amp;until=20231231">December 2023</a> \(186\)<br>\n<h2>2024</h2>\n<a href="\?from=20240101&amp;until=20240131">January 2024</a> \(186\)<br>\n<a href="\?from=20240201&amp;until=20240229">February 2024</a> \(67\)<br>\n},
        'years, then months with their counts');
    my @ts = get_url('tt-many/?from=20240201&until=20240229')->content =~ m{<a href="(\d{8}T\d{6}Z)/">}g;
    is(scalar @ts, 67, "a month's link lists its checkpoints");
    is($ts[0], '20240201T000000Z', 'from its first');
};

# RFC 7089 section 5.1.1's TimeMap, its first six links, as the RFC prints them.
my $rfc_timemap = <<'RFC';
    <http://a.example.org>;rel="original",
    <http://arxiv.example.net/timemap/http://a.example.org>
      ; rel="self";type="application/link-format"
      ; from="Tue, 20 Jun 2000 18:02:59 GMT"
      ; until="Wed, 09 Apr 2008 20:30:51 GMT",
    <http://arxiv.example.net/timegate/http://a.example.org>
      ; rel="timegate",
    <http://arxiv.example.net/web/20000620180259/http://a.example.org>
      ; rel="first memento";datetime="Tue, 20 Jun 2000 18:02:59 GMT"
      ; license="http://creativecommons.org/publicdomain/zero/1.0/",
    <http://arxiv.example.net/web/20091027204954/http://a.example.org>
       ; rel="last memento";datetime="Tue, 27 Oct 2009 20:49:54 GMT"
       ; license="http://creativecommons.org/publicdomain/zero/1.0/",
    <http://arxiv.example.net/web/20000621011731/http://a.example.org>
      ; rel="memento";datetime="Wed, 21 Jun 2000 01:17:31 GMT"
      ; license="http://creativecommons.org/publicdomain/zero/1.0/"
RFC

subtest 'the link-format parser reads the RFC example' => sub {
    my @l = parse_links($rfc_timemap);
    is(scalar @l, 6, 'six links');
    is_deeply([map { $_->{rel} } @l], ['original', 'self', 'timegate', 'first memento', 'last memento', 'memento'],
        'their rels');
    is($l[1]{until}, 'Wed, 09 Apr 2008 20:30:51 GMT', 'a parameter');
    is($l[3]{uri}, 'http://arxiv.example.net/web/20000620180259/http://a.example.org', 'a URI');
};

sub mementos { map { [ $_->{rel}, $_->{uri} =~ m{/(\d{8}T\d{6}Z)/} ? $1 : '', $_->{sha256} // '' ] }
               grep { $_->{rel} =~ /memento|removed/ } @_ }

subtest 'TimeMaps of a path: first appearance, each change, disappearance' => sub {
    my $res = get_url('tt/timemap/link/gone.txt');
    is($res->code, 200, 'answers 200');
    like($res->header('Content-Type'), qr{^application/link-format}, 'application/link-format');
    my @l = parse_links($res->content);
    my %r = map { ($_->{rel} => $_) } @l;
    is($r{original}{uri}, "${path_prefix}tt/gone.txt", 'original');
    is($r{self}{type}, 'application/link-format', 'self');
    is($r{self}{from}, http_date($c[0]), 'from');
    is($r{self}{until}, http_date($c[3]), 'until');
    is($r{timegate}{uri}, "${path_prefix}tt/gone.txt", 'timegate');
    my $g = sha256_hex("g\n");
    is_deeply([mementos(@l)], [[ 'first memento', $c[0], $g ], [ 'removed', $c[2], '' ], [ 'last memento', $c[3], $g ]],
        'there, gone, back: three entries, not one per checkpoint');
    is_deeply([mementos(parse_links(get_url('tt/timemap/link/a.txt')->content))],
        [[ 'first memento', $c[0], sha256_hex("a1\n") ], [ 'memento', $c[1], sha256_hex("a2\n") ],
         [ 'last memento', $c[3], sha256_hex("a4\n") ]], 'a.txt: only where its bytes changed');
    $res = get_url('tt/timemap/json/new.txt');
    like($res->header('Content-Type'), qr{^application/json}, 'JSON');
    my $j = body_json($res);
    is_deeply([validate(schema('timemap'), $j)], [], 'valid against t/schema/timemap.json');
    is_deeply([map { [ $_->{timestamp}, $_->{removed} ? 'removed' : $_->{sha256} ] } @{ $j->{mementos}{list} }],
        [[ $c[1], sha256_hex("n\n") ], [ $c[3], 'removed' ]], 'new.txt: came and went');
    is($j->{mementos}{first}{uri}, "${path_prefix}tt/$c[1]/new.txt", 'first');
    is(get_url('tt/timemap/link/nothing')->code, 404, 'a path never there: 404');
    is(get_url('tt/timemap/link/dists/')->code, 404, 'a directory: 404');
    is(get_url('tt/timemap/xml/a.txt')->code, 404, 'an unknown format: 404');
};

subtest 'the TimeMap of the top: every checkpoint' => sub {
    my $res = get_url('tt/timemap/link/');
    is($res->code, 200, 'answers 200');
    is_deeply([mementos(parse_links($res->content))],
        [[ 'first memento', $c[0], '' ], [ 'memento', $c[1], '' ], [ 'memento', $c[2], '' ],
         [ 'last memento', $c[3], '' ]], 'each checkpoint');
    my $j = body_json(get_url('tt/timemap/json/'));
    is_deeply([validate(schema('timemap'), $j)], [], 'JSON too, valid');
    is(scalar @{ $j->{mementos}{list} }, 4, 'four');
};

# path -> "sha,size" of a checkpoint, from its PULP_MANIFEST.
sub manifest {
    my ($ts) = @_;
    return { map { my ($p, $s, $n) = split /,/; ($p => "$s,$n") } split /\n/, get_url("tt/$ts/PULP_MANIFEST")->content };
}

# The diff as the manifests say it, independently of the database.
sub manifest_diff {
    my ($from, $to, $prefix) = @_;
    my ($a, $b) = (manifest($from), manifest($to));
    my $in = sub { !length $prefix || $_[0] eq $prefix || index($_[0], "$prefix/") == 0 };
    my (@add, @rem, @chg);
    for my $p (sort keys %$b) {
        next unless $in->($p);
        my ($s, $n) = split /,/, $b->{$p};
        if (!$a->{$p}) { push @add, "$p $s $n" }
        elsif ($a->{$p} ne $b->{$p}) { my ($os, $on) = split /,/, $a->{$p}; push @chg, "$p $os $s $on $n" }
    }
    for my $p (sort keys %$a) { next if $b->{$p} || !$in->($p); my ($s, $n) = split /,/, $a->{$p}; push @rem, "$p $s $n" }
    return { added => \@add, removed => \@rem, changed => \@chg };
}

sub served_diff {
    my ($j) = @_;
    return { added => [sort map { "$_->{path} $_->{sha256} $_->{size}" } @{ $j->{added} }],
             removed => [sort map { "$_->{path} $_->{sha256} $_->{size}" } @{ $j->{removed} }],
             changed => [sort map { "$_->{path} $_->{old_sha256} $_->{new_sha256} $_->{old_size} $_->{size}" }
                         @{ $j->{changed} }] };
}

subtest 'diff/<TS1>/<TS2>/[<prefix>] against the PULP_MANIFESTs' => sub {
    for my $pair ([ 0, 3 ], [ 3, 0 ], [ 0, 1 ], [ 1, 2 ], [ 2, 3 ], [ 1, 1 ]) {
        my ($f, $t) = @$pair;
        my $res = get_url("tt/diff/$c[$f]/$c[$t]/");
        is($res->code, 200, "$c[$f] -> $c[$t]: answers");
        my $j = body_json($res);
        is_deeply([validate(schema('diff'), $j)], [], 'valid against t/schema/diff.json');
        is_deeply(served_diff($j), manifest_diff($c[$f], $c[$t], '')
            , 'the same as the manifests say (the manifest itself aside)')
            or diag $res->content;
    }
    my $j = body_json(get_url("tt/diff/$c[0]/$c[3]/dists"));
    is_deeply(served_diff($j), manifest_diff($c[0], $c[3], 'dists'), 'below a prefix');
    is($j->{prefix}, 'dists', 'which it names');
    $j = body_json(get_url('tt/diff/20240301/20240302T120000Z'));
    is_deeply([ $j->{from}, $j->{to} ], [ @c[1, 2] ], 'inexact times are resolved');
    is(get_url("tt/diff/20240229/$c[1]/")->code, 404, 'before the first: 404');
    is(get_url("tt/diff/$c[1]/")->code, 404, 'one time: 404');
    is(get_url("tt/diff/$c[1]/junk/")->code, 404, 'a malformed time: 404');
};

subtest 'timemap/json/?sha256=: where those bytes were' => sub {
    my $g = sha256_hex("g\n");
    my $res = get_url("tt/timemap/json/?sha256=$g");
    is($res->code, 200, 'answers 200');
    my $j = body_json($res);
    is_deeply([validate(schema('lookup'), $j)], [], 'valid against t/schema/lookup.json');
    is_deeply([map { [ $_->{path}, $_->{first}{timestamp}, $_->{last}{timestamp},
                       $_->{removed} ? $_->{removed}{timestamp} : undef ] } @{ $j->{ranges} }],
        [[ 'gone.txt', @c[0, 1, 2] ], [ 'gone.txt', $c[3], $c[3], undef ]], 'two stretches of checkpoints');
    is($j->{ranges}[0]{first}{url}, "${path_prefix}tt/$c[0]/gone.txt", 'with URLs');
    is_deeply(body_json(get_url('tt/timemap/json/?sha256=' . ('0' x 64)))->{ranges}, [], 'bytes never there');
    is(get_url('tt/timemap/json/?sha256=xyz')->code, 400, 'not a digest: 400');
};

subtest 'a new checkpoint moves the last memento within the refresh interval' => sub {
    my $before = rels(get_url("tt/$c[3]/a.txt")->header('Link'));
    is($before->{'last memento'}[0]{uri}, "${abs}tt/$c[3]/a.txt", 'the last is itself');
    ok(!$before->{'next memento'}, 'no next');
    my $v5 = fx_version($r, { 'a.txt' => "a5\n" });
    fx_publication($r, $v5, checkpoint => 1, created => '2024-03-04 10:00:00.000000');
    cache_settle();
    my $after = rels(get_url("tt/$c[3]/a.txt")->header('Link'));
    is($after->{'last memento'}[0]{uri}, "${abs}tt/20240304T100000Z/a.txt", 'the new one is last');
    is($after->{'next memento'}[0]{uri}, "${abs}tt/20240304T100000Z/a.txt", 'and next');
    is(get_url('tt/a.txt')->header('Location'), "${abs}tt/20240304T100000Z/a.txt", 'the TimeGate follows');
};

done_testing();
