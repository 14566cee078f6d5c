# perl scripts/bench-tree.pl DIR FILES: a tree like a mirror's, for the
# ingest benchmark: FILES files in directories of 100, mostly small
# (1 to 16 KiB), one in a thousand of 1 to 2.5 MiB; about 1 GiB for
# 100,000.  Every file's bytes are distinct.  Deterministic.
use strict;
use warnings;
use File::Path qw(make_path);

my ($dir, $files) = @ARGV;
die "usage: bench-tree.pl DIR FILES\n" unless $dir && $files;
srand(42);
open(my $r, '<:raw', '/dev/urandom') or die "urandom: $!";
read($r, my $pool, 8 << 20) == 8 << 20 or die 'short read';
close $r;
for my $i (0 .. $files - 1) {
    my $d = sprintf('%s/pool/%03d/%03d', $dir, int($i / 100000), int($i / 100) % 1000);
    make_path($d) if $i % 100 == 0;
    my $size = $i % 1000 == 999 ? (1 << 20) + int(rand(3 << 19)) : 1024 + int(rand(15 << 10));
    my $head = "file $i\n";
    my $body = '';
    while (length($body) < $size - length($head)) {
        my $n = $size - length($head) - length($body);
        $n = (4 << 20) if $n > (4 << 20);
        $body .= substr($pool, int(rand(length($pool) - $n)), $n);
    }
    open(my $fh, '>:raw', sprintf('%s/f%06d.deb', $d, $i)) or die "$d: $!";
    print $fh $head, $body;
    close $fh;
}
