package CkptTest;
# Helpers shared by the integration tests: JSON requests to the API as the
# admin user, and the environment scripts/test sets up.
use strict;
use warnings FATAL => 'all';

use Exporter 'import';
use JSON::PP ();
use Apache::TestRequest ();
use HTTP::Request ();

our @EXPORT = qw(api api_raw json_of admin_ua anon_ua pg_stop pg_start cache_settle API CONTENT unique
                 upload new_repo modify psql storage_files tmp_files sha256_hex hostport);

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

# Per process: a forked child must not share its parent's kept-alive socket.
my ($admin, $anon, $pid);
sub _fresh { if (!defined $pid || $pid != $$) { ($admin, $anon, $pid) = (undef, undef, $$) } }
sub admin_ua { _fresh(); $admin ||= _ua(1) }
sub anon_ua  { _fresh(); $anon  ||= _ua(0) }

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

# Each Apache process reads what changed at most every CheckpointCacheRefresh
# (500 ms by default, never more than 1 s): after this, every process
# answers from the database as it is now.
sub cache_settle { select(undef, undef, undef, 1.05) }

sub pg_stop  { system($ENV{CKPT_PG_STOP})  == 0 or die "pg stop failed" }
sub pg_start { system($ENV{CKPT_PG_START}) == 0 or die "pg start failed" }

# upload(BYTES, relative_path => ..., [sha256 => ..., repository => ...])
sub upload {
    my ($bytes, %q) = @_;
    require URI::Escape;
    my $qs = join '&', map { "$_=" . URI::Escape::uri_escape($q{$_}) } sort keys %q;
    return api_raw('POST', API . "content/file/files/?$qs", $bytes, 'application/octet-stream');
}

# A new repository (fields may be given); answers its JSON.
sub new_repo {
    my (%f) = @_;
    my $res = api('POST', API . 'repositories/file/file/', { name => unique('repo'), %f });
    die 'repository create failed: ' . $res->status_line . ' ' . $res->content unless $res->code == 201;
    return json_of($res);
}

# modify(REPO, add => [...], remove => [...], base => href) -> HTTP::Response
sub modify {
    my ($repo, %o) = @_;
    my %b;
    $b{add_content_units}    = $o{add}    if $o{add};
    $b{remove_content_units} = $o{remove} if $o{remove};
    $b{base_version}         = $o{base}   if $o{base};
    return api('POST', "$repo->{pulp_href}modify/", \%b);
}

# One value (or lines) from the test database.
sub psql {
    my ($sql) = @_;
    open(my $fh, '-|', 'psql', $ENV{CKPT_CONNINFO}, '-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', $sql)
        or die "psql: $!";
    my $out = do { local $/; <$fh> } // '';
    close $fh;
    $out =~ s/\s+\z//;
    return $out;
}

sub _files {
    my ($dir) = @_;
    my @f;
    require File::Find;
    File::Find::find({ no_chdir => 1, wanted => sub { push @f, $File::Find::name if -f $_ } }, $dir)
        if -d $dir;
    return @f;
}
sub storage_files { _files("$ENV{CKPT_STORAGE}/artifact") }
sub tmp_files     { _files("$ENV{CKPT_STORAGE}/tmp") }

sub sha256_hex { require Digest::SHA; Digest::SHA::sha256_hex($_[0]) }
sub hostport { Apache::TestRequest::hostport() }

my $n = 0;
sub unique { my ($p) = @_; return sprintf('%s-%d-%d-%d', $p, $$, time, $n++) }

1;
