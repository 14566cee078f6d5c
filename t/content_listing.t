use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Test::More;
use lib 't/lib';
use CkptFixture;

# Directory listings (SPEC §2's listing format), the children of a
# directory in one version of a repository, and the checkpoint index.
my %v1 = (
    'dir/a.txt'          => 'abc',
    'dir/b & c.txt'      => "amp\n",
    "dir/\x{c3}\x{bc}ber.txt" => "utf8\n",
    'dir/a:b'            => "colon\n",
    'dir/' . ('n' x 60)  => "long\n",
    'dir/sub/x'          => "x\n",
    'dir/sub/deeper/more' => "m\n",
    'dir/sub-x/y'        => "y\n",
    'dir/sub.d/z'        => "z\n",
    'a/x'                => "1\n",
    'a-b/y'              => "2\n",
    'a/z/w'              => "3\n",
    'a.c'                => "4\n",
    'gone/soon.txt'      => "bye\n",
);
my $r = fx_repository('listing');
my $n1 = fx_version($r, \%v1);
my %v2 = %v1;
delete $v2{'gone/soon.txt'};
$v2{'new/file.txt'} = "new\n";
my $n2 = fx_version($r, \%v2);
fx_distribution('ls1', publication => fx_publication($r, $n1, created => '2025-01-30 20:30:00.5'));
fx_distribution('ls2', publication => fx_publication($r, $n2, created => '2025-02-01 08:09:10'));
fx_publication($r, $n2, created => '2025-02-01 08:09:11', checkpoint => 1);
fx_distribution('ls-cp', repository => $r, checkpoint => 1);

sub names { my ($res) = @_; return [ $res->content =~ m{<a href="([^"]+)">}g ] }

subtest 'listing bytes match the golden file' => sub {
    my $res = get_url('ls1/dir/');
    is($res->code, 200, 'listing is 200');
    is($res->header('Content-Type'), 'text/html; charset=utf-8', 'Content-Type');
    open(my $fh, '<:raw', 't/golden/content_listing_dir.html') or die $!;
    my $golden = do { local $/; <$fh> };
    if ($ENV{CKPT_GOLDEN_OUT}) {
        open(my $out, '>:raw', $ENV{CKPT_GOLDEN_OUT}) or die $!;
        print $out $res->content;
    }
    is($res->content, $golden, 'exact bytes') or diag $res->content;
    is($res->header('Content-Length'), length($golden), 'Content-Length');
};

subtest 'subdirectories are found once each, whatever sorts between them' => sub {
    is_deeply(names(get_url('ls1/dir/')),
        [ '../', 'sub/', 'sub-x/', 'sub.d/', 'a.txt', './a:b', 'b%20&amp;%20c.txt', 'n' x 60, '%c3%bcber.txt' ],
        'dir/');
    is_deeply(names(get_url('ls1/')), [ '../', 'a/', 'a-b/', 'dir/', 'gone/', 'PULP_MANIFEST', 'a.c' ], 'the root');
    is_deeply(names(get_url('ls1/a/')), [ '../', 'z/', 'x' ], 'a/');
    is_deeply(names(get_url('ls1/dir/sub/')), [ '../', 'deeper/', 'x' ], 'dir/sub/');
};

subtest "a listing shows the publication's version only" => sub {
    is_deeply(names(get_url('ls2/')), [ '../', 'a/', 'a-b/', 'dir/', 'new/', 'PULP_MANIFEST', 'a.c' ],
        'version 2: gone/ is gone, new/ is there');
    is(get_url('ls2/gone/')->code, 404, 'a directory whose files were removed is 404');
    is(get_url('ls2/gone')->code, 404, 'also without the slash');
    is(get_url('ls1/gone/soon.txt')->code, 200, 'version 1 still has it');
    is(get_url('ls1/new/')->code, 404, 'version 1 has no new/');
};

subtest 'listing headers' => sub {
    like(get_url('ls1/dir/')->header('Cache-Control'), qr/^public, max-age=\d{1,3}$/, 'plain: short max-age');
    my $res = get_url('ls-cp/20250201T080911Z/dir/');
    is($res->code, 200, 'a checkpoint listing');
    like($res->header('Cache-Control') // '', qr/^public, max-age=\d{1,3}$/, 'under an exact checkpoint: short too');
    like($res->content, qr{<title>Index of /pulp/content/ls-cp/20250201T080911Z/dir/</title>}, 'titled by its path');
    like(get_url('ls-cp/')->header('Cache-Control'), qr/^public, max-age=\d{1,2}$/, 'the checkpoint index: short');
    $res = get_url('ls1/dir/', 'HEAD');
    is($res->code, 200, 'HEAD 200');
    is($res->content, '', 'HEAD without body');
};

done_testing();
