package CkptLinkFormat;
# A parser of RFC 6690 link-format (the body of a TimeMap) and of RFC 8288
# Link headers, which share the grammar: link-values separated by commas,
# each "<URI>" then ";"-separated parameters, a value a token or a quoted
# string; white space (newlines included) may surround each part.
use strict;
use warnings FATAL => 'all';
use Exporter 'import';

our @EXPORT = qw(parse_links);

# parse_links(TEXT) -> list of { uri => ..., rel => ..., datetime => ..., ... }
# (parameter names lower-cased); dies on anything it cannot read.
sub parse_links {
    my ($s) = @_;
    my @links;
    pos($s) = 0;
    $s =~ /\G\s*/gc;
    while (pos($s) < length $s) {
        $s =~ /\G<([^>]*)>\s*/gc or die 'expected <URI> at ' . substr($s, pos($s), 40);
        my %l = (uri => $1);
        while ($s =~ /\G;\s*([A-Za-z0-9!#\$&+.^_`|~-]+\*?)\s*/gc) {
            my $name = lc $1;
            my $value = '';
            if ($s =~ /\G=\s*/gc) {
                if ($s =~ /\G"((?:[^"\\]|\\.)*)"\s*/gc) { ($value = $1) =~ s/\\(.)/$1/g }
                elsif ($s =~ /\G([^\s;,]+)\s*/gc) { $value = $1 }
                else { die "no value for $name" }
            }
            $l{$name} //= $value;
        }
        push @links, \%l;
        last unless $s =~ /\G,\s*/gc;
    }
    die 'trailing text: ' . substr($s, pos($s), 40) if pos($s) < length $s;
    return @links;
}

1;
