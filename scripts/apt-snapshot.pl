#!/usr/bin/perl
# For scripts/apt-snapshot: two apt repositories of one package through the
# API, each with a checkpoint of ckpt-hello 1.0 and, three seconds later,
# one of 2.0, a checkpoint distribution and a live one.  apt-a's Release
# names its snapshots; apt-b's does not.  Prints a snapshot ID between the
# two checkpoints (so an inexact one).
use strict;
use warnings;
use JSON::PP ();
use LWP::UserAgent ();
use HTTP::Request ();
use MIME::Base64 ();
use Digest::SHA qw(sha256_hex);
use POSIX qw(strftime);

my ($base, $work) = @ENV{qw(APT_BASE APT_WORK)};
my $api = "$base/pulp/api/v3/";
my $json = JSON::PP->new;
my $ua = LWP::UserAgent->new(timeout => 60);
$ua->default_header(Authorization => 'Basic ' . MIME::Base64::encode_base64("admin:$ENV{APT_PW}", ''));

sub call {
    my ($method, $path, $body, $type) = @_;
    my $req = HTTP::Request->new($method => $path =~ /^http/ ? $path : "$api$path");
    if (defined $body) {
        $req->header('Content-Type' => $type || 'application/json');
        $req->content(ref $body ? $json->encode($body) : $body);
    }
    my $res = $ua->request($req);
    die "$method $path: " . $res->status_line . "\n" . $res->content unless $res->is_success;
    return $json->decode($res->content);
}

sub slurp { my ($f) = @_; open(my $fh, '<:raw', $f) or die "$f: $!"; local $/; <$fh> }

# ckpt-hello_$v_all.deb, built with dpkg-deb.
sub deb {
    my ($v) = @_;
    my $d = "$work/pkg-$v";
    system('mkdir', '-p', "$d/DEBIAN", "$d/usr/share/doc/ckpt-hello") == 0 or die;
    open(my $fh, '>', "$d/DEBIAN/control") or die;
    print $fh "Package: ckpt-hello\nVersion: $v\nArchitecture: all\nMaintainer: mod_checkpoint <root\@localhost>\n"
        . "Description: a package of mod_checkpoint's apt snapshot test\n";
    close $fh;
    open($fh, '>', "$d/usr/share/doc/ckpt-hello/VERSION") or die;
    print $fh "$v\n";
    close $fh;
    system("dpkg-deb --build --root-owner-group '$d' '$work/ckpt-hello_${v}_all.deb' >/dev/null") == 0 or die;
    return slurp("$work/ckpt-hello_${v}_all.deb");
}

sub upload {
    my ($repo, $path, $bytes) = @_;
    call('POST', "content/file/files/?relative_path=$path&repository=$repo->{pulp_href}", $bytes,
         'application/octet-stream');
}

# One version: the package's deb, Packages and Release.
sub version_of {
    my ($repo, $name, $v, $snapshots) = @_;
    my $deb = deb($v);
    my $file = "pool/main/ckpt-hello_${v}_all.deb";
    my $packages = "Package: ckpt-hello\nVersion: $v\nArchitecture: all\nMaintainer: mod_checkpoint <root\@localhost>\n"
        . "Filename: $file\nSize: " . length($deb) . "\nSHA256: " . sha256_hex($deb) . "\n"
        . "Description: a package of mod_checkpoint's apt snapshot test\n\n";
    my $release = "Origin: mod_checkpoint\nLabel: $name\nSuite: stable\nCodename: stable\n"
        . 'Date: ' . strftime('%a, %d %b %Y %H:%M:%S UTC', gmtime) . "\n"
        . "Architectures: amd64\nComponents: main\n"
        . ($snapshots ? "Snapshots: $snapshots\n" : '')
        . "SHA256:\n " . sha256_hex($packages) . ' ' . length($packages) . " main/binary-amd64/Packages\n";
    upload($repo, $file, $deb);
    upload($repo, 'dists/stable/main/binary-amd64/Packages', $packages);
    upload($repo, 'dists/stable/Release', $release);
}

sub checkpoint {
    my ($repo) = @_;
    my $p = call('POST', 'publications/file/file/', { repository => $repo->{pulp_href}, checkpoint => JSON::PP::true });
    my ($y, $mo, $d, $h, $mi, $s) = $p->{pulp_created} =~ /^(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)/;
    require Time::Local;
    return Time::Local::timegm($s, $mi, $h, $d, $mo - 1, $y);
}

my %repo = map { ($_ => call('POST', 'repositories/file/file/', { name => $_ })) } qw(apt-a apt-b);
my %snap = ('apt-a' => "$base/pulp/content/apt-a/\@SNAPSHOTID\@/", 'apt-b' => undef);
my $first = 0;
for my $name (sort keys %repo) {
    version_of($repo{$name}, $name, '1.0', $snap{$name});
    my $t = checkpoint($repo{$name});
    $first = $t if $t > $first;
}
sleep 3;
for my $name (sort keys %repo) {
    version_of($repo{$name}, $name, '2.0', $snap{$name});
    checkpoint($repo{$name});
    call('POST', 'distributions/file/file/', { name => $name, base_path => $name,
        repository => $repo{$name}{pulp_href}, checkpoint => JSON::PP::true });
    call('POST', 'distributions/file/file/', { name => "$name-live", base_path => "$name-live",
        repository => $repo{$name}{pulp_href} });
}
print strftime('%Y%m%dT%H%M%SZ', gmtime($first + 1)), "\n";
