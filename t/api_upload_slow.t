use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use File::Temp qw(tempdir);
use Time::HiRes qw(time sleep);
use LWP::UserAgent ();
use lib 't/lib';
use CkptTest;
use CkptFixture qw(fx_repository fx_version fx_publication fx_distribution);

# Issue 9, defect 1: an upload took a pooled database connection before
# its body streamed, so slow uploads emptied the pool and everything else
# got 503 after CheckpointPoolTimeout.  An upload must not touch the pool
# until its bytes are on disk.  The virtual host ckpt_vhost has at most 4
# connections per process; 30 uploads sent at 4 KiB/s spread over its
# processes hold far more than that while they stream.
plan skip_all => 'curl is needed' unless grep { -x "$_/curl" } split /:/, $ENV{PATH};

my $r = fx_repository(unique('slow'));
my $v = fx_version($r, { 'f.txt' => "slow\n" });
my $bp = unique('slowbp');
fx_distribution($bp, publication => fx_publication($r, $v, created => '2025-01-30 20:30:00'));

Apache::TestRequest::module('ckpt_vhost');
my $base = 'http://' . Apache::TestRequest::hostport();
Apache::TestRequest::module('default');

my $UPLOADS = 30;
my $dir = tempdir(CLEANUP => 1);
my $tag = unique('slowup');
my @pids;
for my $i (1 .. $UPLOADS) {
    my $file = "$dir/body$i";
    open my $fh, '>', $file or die;
    print $fh "$tag $i\n" x 5000;   # about 100 KiB: 25 s at 4 KiB/s
    close $fh;
    push @pids, slow_upload($file, "$tag/$i", '4k', $base);
}
sleep 3; # every upload is streaming now

my $ua = LWP::UserAgent->new(timeout => 30, keep_alive => 0);
my @probes = (
    [ 'status/', "$base" . API . 'status/', 0 ],
    [ 'anonymous content', "$base/pulp/content/$bp/f.txt", 0 ],
    [ 'an API list', "$base" . API . 'repositories/file/file/', 1 ],
    [ 'status/ again', "$base" . API . 'status/', 0 ],
);
for my $p (@probes) {
    my ($what, $url, $auth) = @$p;
    my $req = HTTP::Request->new(GET => $url);
    $req->authorization_basic('admin', $ENV{CKPT_ADMIN_PASSWORD}) if $auth;
    my $t0 = time;
    my $res = $ua->request($req);
    my $took = time - $t0;
    is($res->code, 200, "$what answers 200 while $UPLOADS slow uploads stream");
    cmp_ok($took, '<', 3, sprintf('%s within 3 s (%.2f s)', $what, $took));
}

my %codes;
$codes{ slow_upload_code($_) }++ for @pids;
is_deeply(\%codes, { 201 => $UPLOADS }, 'and every upload is stored') or diag explain \%codes;
is(psql("SELECT count(*) FROM content WHERE relative_path LIKE '$tag/%'"), $UPLOADS, 'as a unit each');

done_testing();
