package CkptTest;
# Helpers shared by the integration tests: JSON requests to the API as the
# admin user, and the environment scripts/test sets up.
use strict;
use warnings FATAL => 'all';

use Exporter 'import';
use JSON::PP ();
use Apache::Test ();
use Apache::TestRequest ();
use HTTP::Request ();

our @EXPORT = qw(api api_raw json_of admin_ua anon_ua pg_stop pg_start cache_settle API CONTENT unique
                 upload new_repo modify psql storage_files tmp_files sha256_hex hostport expect_log
                 error_log_lines slow_upload slow_upload_code write_file);

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

# scripts/test fails a run on every [checkpoint:error] or [checkpoint:warn]
# line of the error log that no test said it expects: a test that provokes
# one says so here, with a pattern (a Perl regex) the line matches.
sub expect_log {
    my @patterns = @_;
    my $file = Apache::Test::vars('t_logs') . '/expected_log_lines';
    open(my $fh, '>>', $file) or die "$file: $!";
    print $fh "$_\n" for @patterns;
    close $fh;
}

# The error log's lines that match a pattern, from byte offset $from on
# (error_log_lines(qr/.../) counts from the start).
sub error_log_lines {
    my ($re, $from) = @_;
    my $file = Apache::Test::vars('t_logs') . '/error_log';
    open(my $fh, '<', $file) or die "$file: $!";
    seek($fh, $from // 0, 0);
    my @l = grep { $_ =~ $re } <$fh>;
    close $fh;
    return @l;
}

# Stopping PostgreSQL is an outage: the pool of every process that meets it
# says so once (CKPT110), and once when it is over (CKPT111).
sub pg_stop  { expect_log('CKPT110: database unreachable'); system($ENV{CKPT_PG_STOP}) == 0 or die "pg stop failed" }
sub pg_start { system($ENV{CKPT_PG_START}) == 0 or die "pg start failed" }

# upload(BYTES, relative_path => ..., [sha256 => ..., repository => ...])
sub upload {
    my ($bytes, %q) = @_;
    require URI::Escape;
    my $qs = join '&', map { "$_=" . URI::Escape::uri_escape($q{$_}) } sort keys %q;
    return api_raw('POST', API . "content/file/files/?$qs", $bytes, 'application/octet-stream');
}

# slow_upload(FILE, RELATIVE_PATH, RATE, [BASE_URL]) -> pid of a curl that
# uploads FILE at RATE (curl's --limit-rate, "4k") in the background;
# slow_upload_code(PID) waits for it and answers the HTTP status.
my %slow_code;
sub slow_upload {
    my ($file, $path, $rate, $base) = @_;
    $base //= 'http://' . Apache::TestRequest::hostport();
    my $code = "$file.code";
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDOUT, '>', $code or die "$code: $!";
        exec 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--limit-rate', $rate,
            '-u', "admin:$ENV{CKPT_ADMIN_PASSWORD}", '-H', 'Content-Type: application/octet-stream',
            '-H', 'Expect:', '--data-binary', "\@$file", $base . API . "content/file/files/?relative_path=$path";
        die "exec curl: $!";
    }
    $slow_code{$pid} = $code;
    return $pid;
}
sub slow_upload_code {
    my ($pid) = @_;
    waitpid $pid, 0;
    open my $fh, '<', $slow_code{$pid} or return '';
    local $/;
    return <$fh> // '';
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

# write_file(PATH, BYTES): a file of exactly BYTES, its directories made.
sub write_file {
    my ($path, $bytes) = @_;
    require File::Path;
    (my $dir = $path) =~ s{/[^/]*$}{};
    File::Path::make_path($dir);
    open(my $fh, '>:raw', $path) or die "$path: $!";
    print $fh $bytes;
    close $fh;
}
sub sha256_hex { require Digest::SHA; Digest::SHA::sha256_hex($_[0]) }
sub hostport { Apache::TestRequest::hostport() }

my $n = 0;
sub unique { my ($p) = @_; return sprintf('%s-%d-%d-%d', $p, $$, time, $n++) }

1;
