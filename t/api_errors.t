use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Test::More;
use lib 't/lib';
use CkptTest;

# Issue 9, defect 7: an error line says what failed, on which object or
# path, and why.  The database's words were lost (a rollback ran before the
# line was written: "database error: " and nothing after it), and storage
# failures lost their errno.
my $tag = unique('err');
my $repo = new_repo();
my ($rid) = $repo->{pulp_href} =~ m{/([0-9a-f-]{36})/$};

# A version that the database refuses, with words of its own.
expect_log('CKPT202: modify of repository .*ckpt-test refuses version');
psql(<<SQL);
CREATE OR REPLACE FUNCTION ckpt_test_refuse() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN RAISE EXCEPTION 'ckpt-test refuses version % of %', NEW.number, NEW.repository_id; END \$\$;
CREATE TRIGGER ckpt_test_refuse BEFORE INSERT ON repository_version FOR EACH ROW
  WHEN (NEW.repository_id = '$rid') EXECUTE FUNCTION ckpt_test_refuse();
SQL
my $res = modify($repo);
psql('DROP TRIGGER ckpt_test_refuse ON repository_version; DROP FUNCTION ckpt_test_refuse()');
is($res->code, 500, 'a modify the database refuses is 500');
is_deeply(json_of($res), { detail => 'Internal database error.' }, 'the client reads no more than that');
my @lines = error_log_lines(qr/CKPT202: modify of repository \Q$rid\E/);
is(scalar @lines, 1, 'one line in the log');
like($lines[0] // '', qr/ckpt-test refuses version 1 of \Q$rid\E/, "with the database's words");
is(modify($repo)->code, 201, 'and the next modify works');

# Storage that cannot be written: the line names the path and the reason.
my $tmp = "$ENV{CKPT_STORAGE}/tmp";
expect_log('CKPT202: upload of .*' . quotemeta($tmp) . '.*Permission denied');
chmod 0555, $tmp or die "chmod: $!";
$res = upload("cannot write $tag\n", relative_path => "$tag/x");
chmod 0755, $tmp;
is($res->code, 500, 'an upload storage refuses is 500');
is_deeply(json_of($res), { detail => 'Internal storage error.' }, 'the client reads no more than that');
@lines = error_log_lines(qr/CKPT202: upload of \Q$tag\E\/x/);
is(scalar @lines, 1, 'one line in the log');
like($lines[0] // '', qr/\Q$tmp\E.*Permission denied/, 'naming the directory and the reason');
is(upload("can write $tag\n", relative_path => "$tag/x")->code, 201, 'and uploads work again');

done_testing();
