use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Test::More;
use IO::Socket::INET;
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

# A process sends a page its answer cache holds as it is, shared by every
# request (no copy each): requests pipelined on one connection are answered
# by one process, the first (maybe) from the database and the rest from its
# cache, and the responses wait in its output until the last is read.
subtest 'pipelined requests for cached pages: every body whole and the same' => sub {
    my ($host, $port) = split /:/, Apache::TestRequest::hostport();
    for my $path ('ls1/dir/', 'ls-cp/', 'ls-cp/20250201T080911Z/dir/') {
        my $want = get_url($path);
        is($want->code, 200, "$path is 200");
        my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Timeout => 10) or die "connect: $!";
        my $target = "/pulp/content/$path";
        print $s join '', map({ "$_ $target HTTP/1.1\r\nHost: $host\r\n\r\n" } qw(GET GET HEAD GET GET)),
            "GET $target HTTP/1.1\r\nHost: $host\r\nConnection: close\r\n\r\n";
        my $all = do { local $/; <$s> } // '';
        my @got;
        while ($all =~ s{\AHTTP/1\.1 (\d{3})[^\r]*\r\n(.*?)\r\n\r\n}{}s) {
            my ($code, $head) = ($1, $2);
            my ($len) = $head =~ /^Content-Length: (\d+)/mi;
            my $body = @got == 2 ? '' : substr($all, 0, $len // 0, '');
            push @got, [ $code, $len, $body ];
        }
        is(scalar @got, 6, "$path: six answers on one connection") or next;
        is($all, '', "$path: nothing after them");
        for my $i (0 .. 5) {
            is($got[$i][0], 200, "$path: answer $i is 200");
            is($got[$i][1], length($want->content), "$path: answer $i has the page's Content-Length");
            is($got[$i][2], $i == 2 ? '' : $want->content, "$path: answer $i " . ($i == 2 ? '(HEAD) has no body' : 'is the page'));
        }
    }
};

done_testing();
