use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use lib 't/lib';
use CkptTest;

# Issue 9, defect 8: query parameters that did not decode were dropped,
# so the filter was ignored and the whole list came back
# (?relative_path=a%00b answered every unit).  Unknown or undecodable
# parameters are a 400 naming the parameter.
my $tag = unique('q');
upload("q $tag\n", relative_path => "$tag/a");
my $C = API . 'content/file/files/';

sub refused {
    my ($url, $field, $what) = @_;
    my $res = api('GET', $url);
    is($res->code, 400, "$what: 400");
    is_deeply([ keys %{ json_of($res) // {} } ], [$field], "$what: names $field") or diag $res->content;
}

refused("$C?relative_path=a%00b", 'relative_path', 'a NUL in a filter');
refused("$C?relative_path=%zz", 'relative_path', 'a broken escape in a filter');
refused("$C?relative_path=%ff", 'relative_path', 'a filter that is not UTF-8');
refused("$C?relative_path=a%0ab", 'relative_path', 'a control character in a filter');
refused("$C?sha256=%00", 'sha256', 'a NUL in sha256');
refused(API . 'repositories/file/file/?name=%c0%af', 'name', 'an overlong encoding in name');
for my $list ('repositories/file/file/', 'content/file/files/', 'publications/file/file/',
              'distributions/file/file/') {
    refused(API . "$list?bogus=1", 'bogus', "an unknown parameter on $list");
}
refused(API . 'repositories/file/file/?limit=5&colour=red', 'colour', 'an unknown one beside known ones');
my $res = api('GET', API . 'repositories/file/file/?%00=1');
is($res->code, 400, 'a parameter name that does not decode: 400');

$res = api('GET', "$C?relative_path=$tag/a");
is($res->code, 200, 'a filter that decodes works');
is(json_of($res)->{count}, 1, 'and filters');
$res = api('GET', "$C?relative_path=" . "$tag/a" =~ s{/}{%2F}r);
is(json_of($res)->{count}, 1, 'an encoded slash in a value is a slash');
$res = api('GET', "$C?relative_path=$tag%2Fa&limit=1");
is(json_of($res)->{count}, 1, 'with paging');

done_testing();
