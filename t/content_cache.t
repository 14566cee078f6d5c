use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Test::More;
use POSIX ();
use Time::HiRes ();
use URI::Escape qw(uri_escape);
use LWP::UserAgent ();
use lib 't/lib';
use CkptTest;
use CkptFixture qw(content_url);

# Every Apache process keeps the content answers it found (cache.h); a
# change made through the API must still be what every process serves
# within one second.  Each check below warms the caches of all processes
# through many parallel connections, changes something through the API,
# and one second after the API answered reads again through many new
# connections: not one may see the old state.

my $probe = api('GET', API . 'repositories/file/file/');
# The API is part of the module: if it does not answer, this test fails.
is($probe->code, 200, 'the management API answers')
    or die 'the management API does not answer: ' . $probe->status_line;

my $PROCS = 8;   # parallel clients: every server process gets some
my $EACH  = 12;  # requests per client, each on its own connection

# many(URL) -> { "<code> <body or Location>" => count } over $PROCS x $EACH
# requests, each on a new connection.
sub many {
    my ($url) = @_;
    my @kids;
    for (1 .. $PROCS) {
        pipe(my $r, my $w) or die "pipe: $!";
        my $pid = fork() // die "fork: $!";
        if (!$pid) {
            close $r;
            for (1 .. $EACH) {
                my $ua = LWP::UserAgent->new(keep_alive => 0, max_redirect => 0, timeout => 30);
                my $res = $ua->get($url);
                my $what = $res->code == 200 ? $res->content
                         : $res->code == 301 ? $res->header('Location') : '';
                $what =~ s/\n/\\n/g;
                print {$w} $res->code . " $what\n";
            }
            close $w;
            POSIX::_exit(0);
        }
        close $w;
        push @kids, [ $pid, $r ];
    }
    my %seen;
    for my $k (@kids) {
        my $fh = $k->[1];
        while (my $line = <$fh>) { chomp $line; $seen{$line}++ }
        waitpid($k->[0], 0);
    }
    return \%seen;
}

sub all_are {
    my ($seen, $want, $what) = @_;
    is_deeply($seen, { $want => $PROCS * $EACH }, $what) or diag explain $seen;
}

# Sleeps until one second after the API answered at $t0.
sub one_second_after {
    my ($t0) = @_;
    my $left = $t0 + 1.0 - Time::HiRes::time();
    Time::HiRes::sleep($left) if $left > 0;
}

sub created {
    my ($res, $what) = @_;
    is($res->code, 201, "$what created") or diag $res->as_string;
    return json_of($res) // {};
}

sub upload_to {
    my ($repo, $path, $bytes) = @_;
    my $q = 'relative_path=' . uri_escape($path) . '&repository=' . uri_escape($repo->{pulp_href});
    my $res = api_raw('POST', API . "content/file/files/?$q", $bytes, 'application/octet-stream');
    ok($res->code == 201 || $res->code == 200, "upload $path") or diag $res->as_string;
}

sub publish {
    my ($repo, %f) = @_;
    return created(api('POST', API . 'publications/file/file/', { repository => $repo->{pulp_href}, %f }),
        'publication');
}

sub ts_of {
    my ($rfc3339) = @_;
    my ($y, $mo, $d, $h, $mi, $s) = $rfc3339 =~ /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)/ or die $rfc3339;
    return "$y$mo${d}T$h$mi${s}Z";
}

my $repo = created(api('POST', API . 'repositories/file/file/', { name => unique('cache') }), 'repository');
upload_to($repo, 'f.txt', "one\n");
my $pub1 = publish($repo, checkpoint => JSON::PP::true());
upload_to($repo, 'f.txt', "two\n");
my $pub2 = publish($repo, checkpoint => JSON::PP::true());
my ($ts1, $ts2) = (ts_of($pub1->{pulp_created}), ts_of($pub2->{pulp_created}));

my $plain = unique('cache-plain');
my $dist = created(api('POST', API . 'distributions/file/file/',
    { name => $plain, base_path => $plain, publication => $pub1->{pulp_href} }), 'plain distribution');
my $cp = unique('cache-cp');
created(api('POST', API . 'distributions/file/file/',
    { name => $cp, base_path => $cp, repository => $repo->{pulp_href}, checkpoint => JSON::PP::true() }),
    'checkpoint distribution');
# New distributions, like every change, reach every process within one
# second (a process whose reading is younger answers 404 until then).
one_second_after(Time::HiRes::time());

subtest 'a distribution pointed at another publication' => sub {
    all_are(many(content_url("$plain/f.txt")), '200 one\n', 'warm: every process serves the first');
    my $res = api('PATCH', $dist->{pulp_href}, { publication => $pub2->{pulp_href} });
    my $t0 = Time::HiRes::time();
    ok($res->code == 200 || $res->code == 202, 'PATCH') or diag $res->as_string;
    one_second_after($t0);
    all_are(many(content_url("$plain/f.txt")), '200 two\n', 'a second later every process serves the second');
};

subtest 'a new checkpoint' => sub {
    my $index = sub {
        my $seen = many(content_url("$cp/"));
        my %lists;
        for my $k (keys %$seen) {
            my @ts = $k =~ m{<a href="(\d{8}T\d{6}Z)/">}g;
            $lists{ $k =~ /^200 / ? join(',', @ts) : $k } += $seen->{$k};
        }
        return \%lists;
    };
    is_deeply($index->(), { "$ts1,$ts2" => $PROCS * $EACH }, 'warm: two checkpoints everywhere');
    upload_to($repo, 'f.txt', "three\n");
    my $pub3 = publish($repo, checkpoint => JSON::PP::true());
    my $t0 = Time::HiRes::time();
    my $ts3 = ts_of($pub3->{pulp_created});
    one_second_after($t0);
    is_deeply($index->(), { "$ts1,$ts2,$ts3" => $PROCS * $EACH }, 'a second later every index has the third');
    all_are(many(content_url("$cp/$ts3/f.txt")), '200 three\n', 'and it is served');
};

# The API has returned a checkpoint, so a client may ask for it by its
# exact second at once: a process whose reading is older (within
# CheckpointCacheRefresh) must not send it to the checkpoint before.
subtest 'a new checkpoint asked for at once' => sub {
    all_are(many(content_url("$cp/$ts2/f.txt")), '200 two\n', 'warm: every process has read the catalog');
    upload_to($repo, 'f.txt', "four\n");
    my $ts4 = ts_of(publish($repo, checkpoint => JSON::PP::true())->{pulp_created});
    all_are(many(content_url("$cp/$ts4/f.txt")), '200 four\n', 'at once, every process serves it');
};

subtest 'retention clears a checkpoint' => sub {
    all_are(many(content_url("$cp/$ts1/f.txt")), '200 one\n', 'warm: the first checkpoint everywhere');
    my $res = api('PATCH', $repo->{pulp_href}, { retain_checkpoints => 1 });
    my $t0 = Time::HiRes::time();
    ok($res->code == 200 || $res->code == 202, 'PATCH retain_checkpoints') or diag $res->as_string;
    one_second_after($t0);
    all_are(many(content_url("$cp/$ts1/f.txt")), '404 ', 'a second later it is gone everywhere');
};

subtest 'a deleted distribution' => sub {
    all_are(many(content_url("$plain/f.txt")), '200 two\n', 'warm');
    my $res = api('DELETE', $dist->{pulp_href});
    my $t0 = Time::HiRes::time();
    ok($res->code == 204 || $res->code == 202, 'DELETE') or diag $res->as_string;
    one_second_after($t0);
    all_are(many(content_url("$plain/f.txt")), '404 ', 'a second later it is gone everywhere');
};

done_testing();
