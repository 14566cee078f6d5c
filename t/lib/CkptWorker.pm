package CkptWorker;
# What the tests of tasks need: a `checkpoint worker` of this build
# against the test database and storage (started and stopped per test),
# a task polled to its end as pulp-glue polls it, and a remote that
# serves its files slowly (so a sync can be caught running).
use strict;
use warnings FATAL => 'all';

use Exporter 'import';
use IO::Socket::INET ();
use POSIX ();
use Time::HiRes ();
use Apache::Test ();
use CkptTest;

our @EXPORT = qw(worker_start worker_stop wait_task wait_state slow_remote slow_remote_stop);

# worker_start([NAME]) -> pid; its stderr goes to t/logs/worker-NAME.log.
sub worker_start {
    my ($name) = @_;
    $name //= unique('worker');
    my $log = Apache::Test::vars('t_logs') . "/worker-$name.log";
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open(STDOUT, '>>', $log) or die "$log: $!";
        open(STDERR, '>&', \*STDOUT);
        exec($ENV{CKPT_CLI}, '--database', $ENV{CKPT_CONNINFO}, '--storage', $ENV{CKPT_STORAGE},
             'worker', '--name', $name) or POSIX::_exit(127);
    }
    return wantarray ? ($pid, $name, $log) : $pid;
}

# worker_stop(PID, [SIGNAL]) -> seconds it took to end (undef: it did not
# end within 20 s and was killed).
sub worker_stop {
    my ($pid, $sig) = @_;
    my $t0 = Time::HiRes::time();
    kill($sig // 'TERM', $pid);
    for (1 .. 200) {
        return Time::HiRes::time() - $t0 if waitpid($pid, POSIX::WNOHANG()) == $pid;
        Time::HiRes::sleep(0.1);
    }
    kill('KILL', $pid);
    waitpid($pid, 0);
    return undef;
}

# The task (its JSON) once it reached a state of the set (default: the
# final ones), read every half second as pulp-glue does (tasks_read).
sub wait_state {
    my ($href, $states, $timeout) = @_;
    my %want = map { $_ => 1 } @{ $states // [qw(completed failed canceled)] };
    my $task = {};
    for (1 .. ($timeout // 60) * 2) {
        $task = json_of(api('GET', $href)) // {};
        return $task if $want{ $task->{state} // '' };
        Time::HiRes::sleep(0.5);
    }
    return $task;
}
sub wait_task { wait_state($_[0], undef, $_[1]) }

# slow_remote(PATH => BYTES, ...) -> (base URL, pid): an HTTP server on a
# free port that serves PULP_MANIFEST (listing the files) at once and each
# file one byte every 50 ms.
sub slow_remote {
    my (%files) = @_;
    my $manifest = join '', map { "$_," . sha256_hex($files{$_}) . ',' . length($files{$_}) . "\n" }
        sort keys %files;
    my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 16,
                                    ReuseAddr => 1) or die "listen: $!";
    my $port = $srv->sockport;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        $SIG{CHLD} = 'IGNORE';
        while (my $c = $srv->accept) {
            next if fork;
            _answer($c, $manifest, \%files);
            POSIX::_exit(0);
        }
        POSIX::_exit(0);
    }
    close $srv;
    return ("http://127.0.0.1:$port/", $pid);
}
sub _answer {
    my ($c, $manifest, $files) = @_;
    my $line = <$c> // return;
    while (my $h = <$c>) { last if $h =~ /^\r?\n$/ }
    my ($path) = $line =~ m{^GET /(\S*) HTTP};
    my $body = !defined $path ? undef : $path eq 'PULP_MANIFEST' ? $manifest : $files->{$path};
    if (!defined $body) {
        print $c "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        return;
    }
    $c->autoflush(1);
    print $c "HTTP/1.1 200 OK\r\nContent-Length: " . length($body) . "\r\nConnection: close\r\n\r\n";
    if ($path eq 'PULP_MANIFEST') { print $c $body; return }
    for my $b (split //, $body) { print $c $b or return; Time::HiRes::sleep(0.05) }
}
sub slow_remote_stop { kill('KILL', $_[0]); waitpid($_[0], 0) }

1;
