use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Test::More;
use POSIX qw(strftime);
use lib 't/lib';
use CkptFixture;

# SPEC §2, "Checkpoint distributions": one subtest per row of the table.
my $r = fx_repository('cp-main');
my $v1 = fx_version($r, { 'a.txt' => "one\n" });
my $v2 = fx_version($r, { 'a.txt' => "two\n", 'dists/stable/Release' => "rel2\n" });
my $v3 = fx_version($r, { 'a.txt' => "three\n", 'dists/stable/Release' => "rel3\n" });
fx_publication($r, $v1, checkpoint => 1, created => '2001-02-03 04:05:06.500000');
fx_publication($r, $v1, checkpoint => 1, created => '2025-01-30 20:30:00.250000');
fx_publication($r, $v2, checkpoint => 1, created => '2025-01-30 20:30:01.999999');
fx_publication($r, $v3, checkpoint => 1, created => '2025-01-30 20:30:02.000000');
# Not checkpoints of this repository: must never count.
fx_publication($r, $v3, created => '2025-01-30 20:30:05.000000');
my $other = fx_repository('cp-other');
my $o1 = fx_version($other, { 'a.txt' => "other\n" });
fx_publication($other, $o1, checkpoint => 1, created => '2025-01-30 20:30:04.000000');
fx_distribution('cp', repository => $r, checkpoint => 1);
fx_distribution('cp-other', repository => $other, checkpoint => 1);

my $none = fx_repository('cp-none');
my $n1 = fx_version($none, { 'a.txt' => "none\n" });
fx_publication($none, $n1, created => '2025-01-30 20:30:00.000000');
fx_distribution('cp-none', repository => $none, checkpoint => 1);

my $base = content_url('');

sub redirects_to {
    my ($path, $to, $name) = @_;
    my $res = get_url($path);
    is($res->code, 301, "$name: 301") or diag $res->as_string;
    is($res->header('Location'), "${base}$to", "$name: Location");
    like($res->header('Cache-Control') // '', qr/max-age=\d{1,3}\b/, "$name: short max-age");
}

sub not_found {
    my ($path, $name) = @_;
    is(get_url($path)->code, 404, $name);
}

subtest '<base_path> is 301 to <base_path>/' => sub {
    redirects_to('cp', 'cp/', 'base path without slash');
};

subtest '<base_path>/ is the index of checkpoints, oldest first' => sub {
    my $res = get_url('cp/');
    is($res->code, 200, 'index is 200');
    like($res->header('Content-Type'), qr{^text/html}, 'HTML');
    my @ts = $res->content =~ m{<a href="(\d{8}T\d{6}Z)/">}g;
    is_deeply(\@ts, [qw(20010203T040506Z 20250130T203000Z 20250130T203001Z 20250130T203002Z)],
        'one entry per checkpoint of this repository, oldest first');
    like($res->content, qr{<a href="20250130T203000Z/">20250130T203000Z/</a>\s+30-Jan-2025 20:30\s+-\n},
        'entry has its date');
    like($res->content, qr{<title>Index of /pulp/content/cp/</title>}, 'title is the request path');
    is(get_url('cp/', 'HEAD')->content, '', 'HEAD has no body');
    my $want = qq{<html><head><title>Index of /pulp/content/cp/</title></head><body bgcolor="white">\n}
        . qq{<h1>Index of /pulp/content/cp/</h1><hr><pre><a href="../">../</a>\n};
    for ([ '20010203T040506Z', '03-Feb-2001 04:05' ], [ '20250130T203000Z', '30-Jan-2025 20:30' ],
         [ '20250130T203001Z', '30-Jan-2025 20:30' ], [ '20250130T203002Z', '30-Jan-2025 20:30' ]) {
        my ($ts, $date) = @$_;
        $want .= qq{<a href="$ts/">$ts/</a>} . (' ' x (50 - 17)) . " $date" . (' ' x 19) . "-\n";
    }
    $want .= "</pre><hr></body></html>\n";
    is($res->content, $want, 'exact bytes, in the listing format of SPEC §2');
};

subtest '<base_path>/<TS> is 301 to <TS>/' => sub {
    redirects_to('cp/20250130T203000Z', 'cp/20250130T203000Z/', 'exact TS without slash');
    redirects_to('cp/20250130T203003Z', 'cp/20250130T203002Z/', 'in-between TS without slash goes to TS2/');
};

subtest 'exact TS serves that checkpoint, immutable' => sub {
    for ([ '20010203T040506Z', "one\n" ], [ '20250130T203000Z', "one\n" ],
         [ '20250130T203001Z', "two\n" ], [ '20250130T203002Z', "three\n" ]) {
        my ($ts, $want) = @$_;
        my $res = get_url("cp/$ts/a.txt");
        is($res->code, 200, "$ts/a.txt is 200");
        is($res->content, $want, "$ts/a.txt has that checkpoint's bytes");
        is($res->header('Cache-Control'), 'public, max-age=31536000, immutable', "$ts immutable");
    }
    is(get_url('cp/20250130T203001Z/dists/stable/Release')->content, "rel2\n", 'a deeper path');
    my $res = get_url('cp/20250130T203002Z/');
    is($res->code, 200, 'the checkpoint root is a listing');
    like($res->content, qr{<a href="PULP_MANIFEST">}, 'with its manifest');
};

subtest 'TS at the end of a second (pulp_created .999999) is exact' => sub {
    is(get_url('cp/20250130T203001Z/a.txt')->code, 200, '20:30:01.999999 is 20250130T203001Z');
};

subtest 'in-between TS is 301 to the latest checkpoint at or before it, path and query kept' => sub {
    redirects_to('cp/20250130T203003Z/dists/stable/Release?a=1&b=%2F',
        'cp/20250130T203002Z/dists/stable/Release?a=1&b=%2F', 'path and query kept');
    redirects_to('cp/20250130T120000Z/a.txt', 'cp/20010203T040506Z/a.txt', 'hours earlier');
    redirects_to('cp/20250130T203003Z/dists/', 'cp/20250130T203002Z/dists/', 'a directory keeps its slash');
    redirects_to('cp/20250130T203003Z/', 'cp/20250130T203002Z/', 'the root');
    my $now = strftime('%Y%m%dT%H%M%SZ', gmtime(time - 5));
    redirects_to("cp/$now/a.txt", 'cp/20250130T203002Z/a.txt', 'a TS of a few seconds ago');
};

subtest 'a redirect for this very second is cached for a second only' => sub {
    # A checkpoint being committed may still take this second.
    my $res = get_url('cp/' . strftime('%Y%m%dT%H%M%SZ', gmtime(time)) . '/a.txt');
    is($res->code, 301, '301');
    is($res->header('Cache-Control'), 'public, max-age=1', 'max-age=1');
    $res = get_url('cp/20250130T203003Z/a.txt');
    is($res->header('Cache-Control'), 'public, max-age=60', 'an older second: a minute');
};

subtest 'non-checkpoint publications and other repositories never count' => sub {
    redirects_to('cp/20250130T203005Z/a.txt', 'cp/20250130T203002Z/a.txt',
        'a plain publication of the repository at that second');
    redirects_to('cp/20250130T203004Z/a.txt', 'cp/20250130T203002Z/a.txt',
        "another repository's checkpoint at that second");
    is(get_url('cp-other/20250130T203004Z/a.txt')->content, "other\n", 'which its own distribution serves');
};

subtest 'TS before the first checkpoint is 404' => sub {
    not_found('cp/20010203T040505Z/a.txt', 'one second before the first');
    not_found('cp/19700101T000000Z/', 'the epoch');
    not_found('cp/00010101T000000Z', 'year 1');
};

subtest 'TS in the future is 404' => sub {
    not_found('cp/99991231T235959Z/a.txt', 'year 9999');
    my $soon = strftime('%Y%m%dT%H%M%SZ', gmtime(time + 3600));
    not_found("cp/$soon/a.txt", 'an hour from now');
};

subtest 'malformed TS is 404' => sub {
    for my $ts (qw(invalid_ts 20250130T20300Z 20250130T2030000Z 20250130T203000z 20250130t203000Z
                   20259928T092752Z 20250230T000000Z 20250130T203060Z 20250130T243000Z 2025013OT203000Z
                   +0250130T203000Z)) {
        not_found("cp/$ts/a.txt", "$ts");
        not_found("cp/$ts", "$ts without a path");
    }
};

subtest 'a repository with no checkpoint: empty index, every TS 404' => sub {
    my $res = get_url('cp-none/');
    is($res->code, 200, 'index is 200');
    is($res->content, qq{<html><head><title>Index of /pulp/content/cp-none/</title></head><body bgcolor="white">\n}
        . qq{<h1>Index of /pulp/content/cp-none/</h1><hr><pre><a href="../">../</a>\n</pre><hr></body></html>\n},
        'and empty');
    not_found('cp-none/20250130T203000Z/a.txt', 'the second of its plain publication');
    not_found('cp-none/20250130T203000Z', 'TS alone');
    not_found('cp-none/20300101T000000Z/', 'a later TS');
};

done_testing();
