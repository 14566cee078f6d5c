use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use File::Temp qw(tempdir);
use Time::HiRes qw(sleep);
use lib 't/lib';
use CkptTest;

# An upload past 1 GiB is streamed: no httpd child's resident memory grows
# by more than 32 MiB while it runs.  The body comes from a sparse file
# that curl streams from stdin (-T -), so the test does not hold it in
# memory either.  1 GiB is httpd's own default LimitRequestBody since
# 2.4.54: the shipped configuration lifts it for the API, so that
# CheckpointUploadLimit (2 GiB here) is what counts (issue 9, defect 2).
plan skip_all => 'curl is needed' unless grep { -x "$_/curl" } split /:/, $ENV{PATH};

my $size = (1 << 30) + (1 << 20);
my $zeros_sha = '0e5784b2441347f7c1cbfe2ee03dd421ff87c3086fdf0ce280cf26cbcf114462';
my $dir = tempdir(CLEANUP => 1);
my $file = "$dir/big";
open my $fh, '>', $file or die;
truncate $fh, $size or die "truncate: $!";
close $fh;

my $logs = Apache::Test::vars('t_logs');
open my $pf, '<', "$logs/httpd.pid" or die "no httpd.pid: $!";
chomp(my $parent = <$pf>);
close $pf;

sub children {
    my @k;
    for my $st (glob '/proc/[0-9]*/status') {
        open my $s, '<', $st or next;
        my %f = map { /^(\w+):\s*(.*)$/ ? ($1, $2) : () } <$s>;
        push @k, $st =~ m{/proc/(\d+)/} if ($f{PPid} // '') eq $parent;
    }
    return @k;
}
sub rss {
    my ($pid) = @_;
    open my $s, '<', "/proc/$pid/status" or return 0;
    while (<$s>) { return $1 * 1024 if /^VmRSS:\s+(\d+)\s+kB/ }
    return 0;
}

# Warm every child: connections made, code paged in, a small upload done.
my $tag = unique('large');
for (1 .. 10) {
    api('GET', API . 'repositories/file/file/');
    upload("warm $_ $tag\n" x 20000, relative_path => "$tag/warm$_");
}
my @kids = children();
ok(@kids > 0, 'httpd children found') or diag "parent $parent";
my %base = map { $_ => rss($_) } @kids;
ok(!grep({ !$_ } values %base), 'the resident size of every child is readable')
    or diag explain \%base;
my %max = %base;

my $url = 'http://' . hostport() . API . "content/file/files/?relative_path=$tag/big.img&sha256=$zeros_sha";
my $out = "$dir/out";
my $pid = fork // die;
if (!$pid) {
    # From stdin (curl would append a file name to a URL ending in '/'),
    # so the body goes chunked: the limit is counted while streaming.
    open STDIN, '<', $file or die;
    exec 'curl', '-s', '-o', $out, '-u', "admin:$ENV{CKPT_ADMIN_PASSWORD}",
        '-H', 'Content-Type: application/octet-stream', '-H', 'Expect:', '-X', 'POST', '-T', '-', $url;
    die "exec curl: $!";
}
my $samples = 0;
while (waitpid($pid, 1) == 0) {
    # a child started meanwhile is measured from its first sample
    for my $k (children()) {
        $base{$k} //= rss($k);
        $max{$k} //= $base{$k};
    }
    for my $k (keys %base) {
        my $r = rss($k);
        $max{$k} = $r if $r > $max{$k};
    }
    $samples++;
    sleep 0.05;
}
is($?, 0, 'curl finished');
ok($samples > 5, "memory sampled during the upload ($samples samples)");
my $body = do { open my $o, '<', $out or die; local $/; <$o> };
my $unit = json_of(HTTP::Response->new(200, 'OK', [], $body)) // {};
is($unit->{size}, $size, '1 GiB and 1 MiB stored') or diag $body;
is($unit->{sha256}, $zeros_sha, 'with the right digest');
my $growth = 0;
for my $k (keys %base) {
    my $g = $max{$k} - $base{$k};
    $growth = $g if $g > $growth;
}
cmp_ok($growth, '<', 32 * 1024 * 1024, sprintf('no child grew by 32 MiB (largest growth %.1f MiB)', $growth / 1048576));
diag sprintf('largest RSS growth of a child: %.1f MiB (children at %s MiB)', $growth / 1048576,
             join(' ', map { sprintf '%.0f', $max{$_} / 1048576 } sort keys %max));
my $stored = "$ENV{CKPT_STORAGE}/artifact/" . substr($zeros_sha, 0, 2) . '/' . substr($zeros_sha, 2);
is(-s $stored, $size, 'the artifact file has every byte');
is_deeply([ tmp_files() ], [], 'no temporary file left');

# The storage is throwaway: give the disk back.
unlink $stored;

done_testing();
