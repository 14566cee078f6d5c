use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Test::More;
use lib 't/lib';
use CkptFixture;
use CkptTest qw(cache_settle);

# SPEC §2, "Plain distributions": a publication, the newest publication of
# a repository, the newest publication of a repository version.
my $r = fx_repository('plain');
my $v1 = fx_version($r, { 'f.txt' => "v1\n" });
my $v2 = fx_version($r, { 'f.txt' => "v2\n" });
my $p1 = fx_publication($r, $v1, created => '2025-01-30 10:00:00');
my $p2 = fx_publication($r, $v2, created => '2025-01-30 11:00:00');
# The newest publication is of the older version: newest means pulp_created.
my $p1b = fx_publication($r, $v1, created => '2025-01-30 12:00:00', checkpoint => 1);
my $v2id = sql("SELECT id FROM repository_version WHERE repository_id = '$r' AND number = $v2");
my $v1id = sql("SELECT id FROM repository_version WHERE repository_id = '$r' AND number = $v1");

fx_distribution('plain-pub', publication => $p2);
fx_distribution('plain-repo', repository => $r);
fx_distribution('plain-ver', repository_version => $v2id);

my $empty = fx_repository('plain-empty');
my $e1 = fx_version($empty, { 'f.txt' => "e\n" });
my $e1id = sql("SELECT id FROM repository_version WHERE repository_id = '$empty' AND number = $e1");
fx_distribution('plain-nopub', repository => $empty);
fx_distribution('plain-nopub-ver', repository_version => $e1id);
fx_distribution('plain-nothing');

subtest 'publication: serves that publication' => sub {
    my $res = get_url('plain-pub/f.txt');
    is($res->code, 200, '200');
    is($res->content, "v2\n", 'its bytes, though newer publications exist');
    like($res->header('Cache-Control') // '', qr/max-age=\d{1,3}$/, 'short max-age, not immutable');
};

subtest "repository: serves the repository's newest publication" => sub {
    is(get_url('plain-repo/f.txt')->content, "v1\n", 'newest by pulp_created');
    fx_publication($r, $v2, created => '2025-01-30 13:00:00');
    cache_settle();
    is(get_url('plain-repo/f.txt')->content, "v2\n", 'a newer publication takes over within a second');
};

subtest "repository_version: serves that version's newest publication" => sub {
    is(get_url('plain-ver/f.txt')->content, "v2\n", 'version 2');
    is(get_url('plain-ver/PULP_MANIFEST')->code, 200, 'with its manifest');
};

subtest 'no publication: 404' => sub {
    is(get_url('plain-nopub/f.txt')->code, 404, 'repository without publication: a file');
    is(get_url('plain-nopub/')->code, 404, 'and the root');
    is(get_url('plain-nopub-ver/f.txt')->code, 404, 'repository version without publication');
    is(get_url('plain-nothing/')->code, 404, 'a distribution serving nothing');
    is(get_url('plain-nothing')->code, 301, 'which still redirects to its slash');
};

subtest 'the base path without its slash is 301' => sub {
    my $res = get_url('plain-pub');
    is($res->code, 301, '301');
    is($res->header('Location'), content_url('plain-pub/'), 'to the slash');
};

subtest 'a timestamp means nothing to a plain distribution' => sub {
    is(get_url('plain-pub/20250130T203000Z/f.txt')->code, 404, 'a path like any other');
};

done_testing();
