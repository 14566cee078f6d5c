package CkptFixture;
# Content fixtures written straight into the database and the storage, so
# that the content tests choose every pulp_created to the microsecond (the
# API, rightly, cannot).  Rows follow sql/: membership as version ranges
# (with the unit's digest and size; directories follow by trigger), a
# publication's PULP_MANIFEST stored as an artifact.
use strict;
use warnings FATAL => 'all';

use Exporter 'import';
use Digest::SHA qw(sha256_hex);
use File::Path qw(make_path);
use Apache::TestRequest ();
use LWP::UserAgent ();

our @EXPORT = qw(sql sql_rows fx_repository fx_version fx_publication fx_distribution
    fx_artifact fx_file fx_manifest_of content_url ua get_url);

sub _q {
    my ($v) = @_;
    return 'NULL' unless defined $v;
    $v =~ s/'/''/g;
    return "'$v'";
}

# sql(STATEMENT) -> the first column of the first row (psql -At).
sub sql {
    my ($stmt) = @_;
    my $conninfo = $ENV{CKPT_CONNINFO} // die "CKPT_CONNINFO is not set";
    open(my $fh, '-|', 'psql', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', $conninfo,
        '-c', $stmt) or die "psql: $!";
    local $/;
    my $out = <$fh> // '';
    close($fh) or die "psql failed: $stmt";
    $out =~ s/\s+\z//;
    return $out;
}

sub sql_rows { my @l = split /\n/, sql(@_); return @l }

# fx_file(PATH, BYTES, AGE): a file written whole (through a temporary
# name), last modified AGE seconds ago; answers PATH.
sub fx_file {
    my ($path, $bytes, $age) = @_;
    (my $dir = $path) =~ s{/[^/]*$}{};
    make_path($dir);
    open(my $fh, '>:raw', "$path.tmp") or die "$path: $!";
    print $fh $bytes;
    close $fh;
    utime(time - $age, time - $age, "$path.tmp") if $age;
    rename("$path.tmp", $path) or die "rename: $!";
    return $path;
}

# The bytes as an artifact: the file in storage and its row.
sub fx_artifact {
    my ($bytes) = @_;
    my $sha = sha256_hex($bytes);
    my $path = "$ENV{CKPT_STORAGE}/artifact/" . substr($sha, 0, 2) . '/' . substr($sha, 2);
    # As artifacts usually are: older than the request, so that
    # Last-Modified makes a strong validator.
    fx_file($path, $bytes, 86400) unless -e $path;
    sql('INSERT INTO artifact (sha256, size) VALUES (' . _q($sha) . ', ' . length($bytes)
        . ') ON CONFLICT DO NOTHING');
    return $sha;
}

my %files_of;   # repository id -> version number -> {path => bytes}

sub fx_repository {
    my ($name) = @_;
    my $id = sql('INSERT INTO repository (name) VALUES (' . _q($name) . ') RETURNING id');
    sql("INSERT INTO repository_version (repository_id, number) VALUES ('$id', 0)");
    $files_of{$id} = { 0 => {} };
    return $id;
}

# fx_version(REPO, {path => bytes, ...}) -> the new version's number: the
# next version holds exactly these files.
sub fx_version {
    my ($repo, $files) = @_;
    my $n = sql("UPDATE repository SET latest_number = latest_number + 1 WHERE id = '$repo'"
        . " RETURNING latest_number");
    my $vid = sql("INSERT INTO repository_version (repository_id, number, base_version)"
        . " VALUES ('$repo', $n, $n - 1) RETURNING id");
    my %want;
    for my $path (sort keys %$files) {
        my $sha = fx_artifact($files->{$path});
        my $cid = sql('INSERT INTO content (relative_path, sha256) VALUES (' . _q($path) . ', '
            . _q($sha) . ') ON CONFLICT (relative_path, sha256) DO UPDATE SET sha256 = EXCLUDED.sha256'
            . ' RETURNING id');
        $want{$cid} = $path;
    }
    my %open = map { split /\|/ } sql_rows("SELECT content_id, relative_path FROM repository_content"
        . " WHERE repository_id = '$repo' AND version_removed IS NULL");
    for my $cid (keys %open) {
        next if $want{$cid};
        sql("UPDATE repository_content SET version_removed = $n WHERE repository_id = '$repo'"
            . " AND content_id = '$cid' AND version_removed IS NULL");
    }
    for my $cid (sort keys %want) {
        next if $open{$cid};
        my $path = $want{$cid};
        my $dir = $path =~ m{^(.*)/[^/]*$} ? $1 : '';
        sql('INSERT INTO repository_content (repository_id, content_id, relative_path, dir,'
            . " sha256, size, version_added) SELECT '$repo', c.id, c.relative_path, " . _q($dir)
            . ", c.sha256, a.size, $n FROM content c JOIN artifact a ON a.sha256 = c.sha256"
            . " WHERE c.id = '$cid'");
    }
    $files_of{$repo}{$n} = {%$files};
    return $n;
}

# fx_publication(REPO, VERSION, created => 'YYYY-MM-DD HH:MM:SS.ffffff',
# checkpoint => 0|1, manifest => NAME, silent => 0|1) -> id.  A silent one
# is made with triggers off, so that nothing tells the server processes.
sub fx_publication {
    my ($repo, $n, %o) = @_;
    my $files = $files_of{$repo}{$n} // die "no version $n";
    my $manifest = join('', map { "$_," . sha256_hex($files->{$_}) . ',' . length($files->{$_}) . "\n" }
        sort keys %$files);
    my $msha = fx_artifact($manifest);
    my $created = _q(($o{created} // die 'created is required') . '+00');
    my $cp = $o{checkpoint} ? 'true' : 'false';
    my $second = $o{checkpoint} ? "date_trunc('second', ${created}::timestamptz)" : 'NULL';
    return sql(($o{silent} ? 'SET session_replication_role = replica; ' : '')
        . 'INSERT INTO publication (repository_id, repository_version_id, version_number,'
        . ' checkpoint, checkpoint_second, manifest, manifest_sha256, pulp_created)'
        . " SELECT '$repo', id, $n, $cp, $second, " . _q($o{manifest} // 'PULP_MANIFEST')
        . ", '$msha', $created FROM repository_version WHERE repository_id = '$repo' AND number = $n"
        . ' RETURNING id');
}

sub fx_manifest_of {
    my ($repo, $n) = @_;
    my $files = $files_of{$repo}{$n};
    return join('', map { "$_," . sha256_hex($files->{$_}) . ',' . length($files->{$_}) . "\n" }
        sort keys %$files);
}

# fx_distribution(BASE_PATH, publication|repository|repository_version => id,
# checkpoint => 0|1)
sub fx_distribution {
    my ($bp, %o) = @_;
    return sql('INSERT INTO distribution (name, base_path, publication_id, repository_id,'
        . ' repository_version_id, checkpoint) VALUES (' . _q("dist-$bp") . ', ' . _q($bp) . ', '
        . _q($o{publication}) . ', ' . _q($o{repository}) . ', ' . _q($o{repository_version}) . ', '
        . ($o{checkpoint} ? 'true' : 'false') . ') RETURNING id');
}

sub content_url {
    my ($path) = @_;
    return 'http://' . Apache::TestRequest::hostport() . "/pulp/content/$path";
}

my $ua;
sub ua { $ua ||= LWP::UserAgent->new(timeout => 60, keep_alive => 1, max_redirect => 0) }

# get_url(PATH, [METHOD], [HEADERS...]) below the content prefix.
sub get_url {
    my ($path, $method, @h) = @_;
    my $req = HTTP::Request->new(($method // 'GET') => content_url($path), [@h]);
    return ua()->request($req);
}

1;
