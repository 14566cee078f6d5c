use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use IO::Socket::INET;
use lib 't/lib';
use CkptTest;

# Issue 9, defect 9: Locations were built from the decoded path: the API's
# trailing-slash redirect of a path with %0d%0a was 500 and one with %3F
# moved part of the path into a query; a distribution's base_url was not
# percent-encoded.
my ($host, $port) = split /:/, hostport();
require MIME::Base64;
my $auth = MIME::Base64::encode_base64("admin:$ENV{CKPT_ADMIN_PASSWORD}", '');

sub raw_get {
    my ($target) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Timeout => 10) or die "connect: $!";
    print $s "GET $target HTTP/1.1\r\nHost: $host\r\nAuthorization: Basic $auth\r\nConnection: close\r\n\r\n";
    local $/;
    my $resp = <$s> // '';
    my ($code) = $resp =~ m{^HTTP/1\.\d (\d{3})};
    my ($head) = split /\r\n\r\n/, $resp, 2;
    my ($loc) = $head =~ m{\r\nLocation: ([^\r\n]*)}i;
    return ($code // 0, $loc // '', $head);
}

my ($code, $loc, $head) = raw_get(API . 'repositories/file/file%0d%0aX-Injected:%20yes');
is($code, 301, 'a path with an encoded CR LF is redirected to its slash, not 500') or diag $head;
like($loc, qr{/pulp/api/v3/repositories/file/file%0d%0aX-Injected:%20yes/$}i, 'escaped in the Location');
unlike($head, qr{\r\nX-Injected:}i, 'and no header is injected');

($code, $loc) = raw_get(API . 'repositories/file/file%3Fx');
is($code, 301, 'a path with an encoded ? is redirected');
like($loc, qr{/pulp/api/v3/repositories/file/file%3Fx/$}i, 'which stays part of the path');
($code, $loc) = raw_get(API . 'repositories/file/file?limit=1');
like($loc, qr{/pulp/api/v3/repositories/file/file/\?limit=1$}, 'a query is kept');

my $u = unique('loc');
my $bp = "$u sp/a%b#c?d";
my $res = api('POST', API . 'distributions/file/file/', { name => $u, base_path => $bp });
is($res->code, 201, 'a distribution whose base_path has a space, %, # and ?') or diag $res->content;
my $d = json_of($res) // {};
is($d->{base_path}, $bp, 'base_path is the path');
is(lc($d->{base_url} // ''), lc('http://' . hostport() . "/pulp/content/$u%20sp/a%25b%23c%3Fd/"),
   'base_url is a URL: percent-encoded');

done_testing();
