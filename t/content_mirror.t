use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Test::More;
use Digest::SHA qw(sha256_hex);
use File::Find;
use File::Temp qw(tempdir);
use lib 't/lib';
use CkptFixture;

# A whole checkpoint mirrored with wget --mirror, as users do, equals its
# PULP_MANIFEST file by file; and its older checkpoint still mirrors the
# older bytes.
sub have { my ($tool) = @_; return grep { -x "$_/$tool" } split /:/, $ENV{PATH} }
plan skip_all => 'neither wget nor curl is installed' unless have('wget') || have('curl');

my %files;
for my $i (1 .. 40) {
    my $dir = ('dists/stable', 'pool/main/a', 'pool/main/b', 'pool/contrib', '')[$i % 5];
    my $name = ($dir ? "$dir/" : '') . "file-$i" . ('.txt', '.gz', '.deb', '')[$i % 4];
    $files{$name} = join('', map { chr(($i * 7 + $_) % 256) } 0 .. ($i * 97));
}
$files{'with space & amp.txt'} = "odd name\n";
$files{"pool/caf\x{c3}\x{a9}/menu"} = "utf-8 name\n";
my $r = fx_repository('mirror');
my $n1 = fx_version($r, { %files, 'old-only.txt' => "old\n" });
my $n2 = fx_version($r, \%files);
fx_publication($r, $n1, checkpoint => 1, created => '2025-01-30 20:30:00.1');
fx_publication($r, $n2, checkpoint => 1, created => '2025-01-30 20:30:01.1');
fx_distribution('mirror', repository => $r, checkpoint => 1);

sub mirror {
    my ($ts) = @_;
    my $dir = tempdir(CLEANUP => 1);
    my $url = content_url("mirror/$ts/");
    system('wget', '-q', '--mirror', '--no-parent', '--no-host-directories', '--cut-dirs=4',
        '--restrict-file-names=nocontrol', '-e', 'robots=off', '-P', $dir, $url);
    my %got;
    find({ no_chdir => 1, wanted => sub {
        return unless -f $_;
        (my $rel = $_) =~ s{^\Q$dir\E/}{};
        open(my $fh, '<:raw', $_) or die "$_: $!";
        local $/;
        $got{$rel} = <$fh>;
    } }, $dir);
    return \%got;
}

sub check_against_manifest {
    my ($ts, $name) = @_;
    my $got = mirror($ts);
    ok(exists $got->{PULP_MANIFEST}, "$name: the manifest was mirrored") or return;
    my %want;
    for my $line (split /\n/, $got->{PULP_MANIFEST}) {
        my ($path, $sha, $size) = $line =~ /^(.*),([0-9a-f]{64}),(\d+)$/ or die "bad line $line";
        $want{$path} = [ $sha, $size ];
    }
    for my $path (sort keys %want) {
        my $bytes = $got->{$path};
        ok(defined $bytes && sha256_hex($bytes) eq $want{$path}[0] && length($bytes) == $want{$path}[1],
            "$name: $path matches the manifest");
    }
    # Everything else wget saved is a generated listing page.
    my @extra = grep { !exists $want{$_} && $_ ne 'PULP_MANIFEST' && !m{(^|/)index\.html$} } sort keys %$got;
    is_deeply(\@extra, [], "$name: nothing beyond the manifest's files and listings");
    return \%want;
}

subtest 'the newest checkpoint mirrors to its PULP_MANIFEST' => sub {
    plan skip_all => 'wget is not installed' unless have('wget');
    my $want = check_against_manifest('20250130T203001Z', 'newest');
    is(scalar(keys %$want), scalar(keys %files), 'every file is in the manifest');
    ok(!exists $want->{'old-only.txt'}, 'the removed file is not');
};

subtest 'the older checkpoint still mirrors its own files' => sub {
    plan skip_all => 'wget is not installed' unless have('wget');
    my $want = check_against_manifest('20250130T203000Z', 'older');
    ok(exists $want->{'old-only.txt'}, 'with the file removed later');
};

# curl, as scripts fetch a checkpoint: its PULP_MANIFEST, then every file it
# names (URL-encoded), each compared by sha256 and size; reached through a
# redirect from a later second as a date-pinned client would (curl -L).
sub curl {
    my ($url) = @_;
    open(my $fh, '-|', 'curl', '-sS', '-f', '-L', '--max-redirs', '2', '-g', $url) or die "curl: $!";
    binmode $fh;
    local $/;
    my $bytes = <$fh>;
    close $fh;
    return $? == 0 ? $bytes : undef;
}

sub curl_against_manifest {
    my ($via, $name, $want_ts) = @_;
    my $manifest = curl(content_url("mirror/$via/PULP_MANIFEST"));
    ok(defined $manifest && length $manifest, "$name: curl fetched PULP_MANIFEST") or return;
    is($manifest, fx_manifest_of($r, $want_ts eq '20250130T203000Z' ? $n1 : $n2), "$name: it is that checkpoint's");
    my $n = 0;
    for my $line (split /\n/, $manifest) {
        my ($path, $sha, $size) = $line =~ /^(.*),([0-9a-f]{64}),(\d+)$/ or die "bad line $line";
        (my $enc = $path) =~ s{([^A-Za-z0-9/._~-])}{sprintf('%%%02X', ord $1)}ge;
        my $bytes = curl(content_url("mirror/$via/$enc"));
        ok(defined $bytes && sha256_hex($bytes) eq $sha && length($bytes) == $size, "$name: $path matches");
        $n++;
    }
    return $n;
}

subtest 'curl fetches every file of a checkpoint as its PULP_MANIFEST says' => sub {
    plan skip_all => 'curl is not installed' unless have('curl');
    is(curl_against_manifest('20250130T203001Z', 'newest', '20250130T203001Z'), scalar(keys %files),
        'newest: every file');
    is(curl_against_manifest('20250130T203000Z', 'older', '20250130T203000Z'), scalar(keys %files) + 1,
        'older: every file, the removed one included');
    my $later = '20250130T203059Z';
    is(curl_against_manifest($later, 'through a redirect', '20250130T203001Z'), scalar(keys %files),
        'a later second: the newest checkpoint, through curl -L');
};

done_testing();
