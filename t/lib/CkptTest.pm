package CkptTest;
# Helpers shared by the integration tests: JSON requests to the API as the
# admin user, and the environment scripts/test sets up.
use strict;
use warnings FATAL => 'all';

use Exporter 'import';
use JSON::PP ();
use Apache::TestRequest ();
use HTTP::Request ();

our @EXPORT = qw(api api_raw json_of admin_ua anon_ua pg_stop pg_start API CONTENT unique);

use constant API     => '/pulp/api/v3/';
use constant CONTENT => '/pulp/content/';

my $json = JSON::PP->new->canonical->allow_nonref;

sub _ua {
    my ($auth) = @_;
    my $ua = LWP::UserAgent->new(timeout => 300, keep_alive => 1, max_redirect => 0);
    if ($auth) {
        # Sent up front, as API clients do, rather than after a 401.
        my $pw = $ENV{CKPT_ADMIN_PASSWORD} // die "CKPT_ADMIN_PASSWORD is not set";
        require MIME::Base64;
        $ua->default_header(Authorization => 'Basic ' . MIME::Base64::encode_base64("admin:$pw", ''));
    }
    return $ua;
}

my ($admin, $anon);
sub admin_ua { $admin ||= _ua(1) }
sub anon_ua  { $anon  ||= _ua(0) }

sub _url {
    my ($path) = @_;
    return $path if $path =~ m{^https?://};
    return 'http://' . Apache::TestRequest::hostport() . $path;
}

# api(METHOD, PATH, [BODY]) -> HTTP::Response; BODY is encoded as JSON.
sub api {
    my ($method, $path, $body, %h) = @_;
    my $req = HTTP::Request->new($method => _url($path));
    if (defined $body) {
        $req->header('Content-Type' => $h{content_type} || 'application/json');
        $req->content(ref $body ? $json->encode($body) : $body);
    }
    return admin_ua()->request($req);
}

# api_raw(METHOD, PATH, CONTENT, CONTENT_TYPE)
sub api_raw {
    my ($method, $path, $content, $type) = @_;
    my $req = HTTP::Request->new($method => _url($path));
    $req->header('Content-Type' => $type) if defined $type;
    $req->content($content) if defined $content;
    return admin_ua()->request($req);
}

sub json_of {
    my ($res) = @_;
    my $c = $res->decoded_content // $res->content;
    my $v = eval { $json->decode($c) };
    return $v;
}

sub pg_stop  { system($ENV{CKPT_PG_STOP})  == 0 or die "pg stop failed" }
sub pg_start { system($ENV{CKPT_PG_START}) == 0 or die "pg start failed" }

my $n = 0;
sub unique { my ($p) = @_; return sprintf('%s-%d-%d-%d', $p, $$, time, $n++) }

1;
