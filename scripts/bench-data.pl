# The rows scripts/bench writes straight into the schema (sql/*.sql), with
# set-based SQL, because the API would take hours for millions of rows.
# Every INSERT into a schema table that the benchmark makes is here, with
# an explicit column list, so a schema change is an edit of this file only.
# Loaded by scripts/bench.pl (require); the callers build SQL text with
# these functions and run it in one transaction.
use strict;
use warnings;
use Digest::SHA ();
use File::Path ();

# The staging table that the functions below read: one row per stretch of
# versions [version_added, version_removed) in which relative_path holds the
# artifact sha256 (size bytes) in a repository.  A caller fills it with
# INSERT ... SELECT or \copy (tab-separated, \N for NULL) between
# bench_sql_units_begin() and bench_sql_units_load().
sub bench_sql_units_begin {
    return <<'SQL';
CREATE TEMP TABLE bench_unit (
    relative_path   text NOT NULL,
    sha256          text NOT NULL,
    size            bigint NOT NULL,
    version_added   integer NOT NULL,
    version_removed integer
) ON COMMIT DROP;
SQL
}

# The columns of repository_content beyond those of sql/001-003 that the
# database has (a later migration may copy the artifact's sha256 and size
# into each membership row): filled from the staging table when present.
# $have is a hash of repository_content's column names.
my @rc_optional = qw(sha256 size);

# artifact, content and repository_content rows of repository $repo for
# every row of bench_unit.  Artifacts and content units that exist already
# are reused (ON CONFLICT), as the API does.
sub bench_sql_units_load {
    my ($repo, $have) = @_;
    my @extra = grep { $have->{$_} } @rc_optional;
    my $cols = join '', map { ", $_" } @extra;
    my $vals = join '', map { ", u.$_" } @extra;
    return <<"SQL";
INSERT INTO artifact (sha256, size)
  SELECT DISTINCT sha256, size FROM bench_unit
  ON CONFLICT (sha256) DO NOTHING;
INSERT INTO content (relative_path, sha256)
  SELECT DISTINCT relative_path, sha256 FROM bench_unit
  ON CONFLICT (relative_path, sha256) DO NOTHING;
INSERT INTO repository_content (repository_id, content_id, relative_path, dir,
                                version_added, version_removed$cols)
  SELECT r.id, c.id, u.relative_path, regexp_replace(u.relative_path, '/?[^/]*\$', ''),
         u.version_added, u.version_removed$vals
  FROM bench_unit u
  JOIN content c ON c.relative_path = u.relative_path AND c.sha256 = u.sha256
  JOIN repository r ON r.name = '$repo';
TRUNCATE bench_unit;
SQL
}

# A repository named $a{name} with versions 0 .. $a{versions} (each of
# $a{present} units but version 0), a checkpoint publication of every
# version but 0, $a{step} apart from $a{first} + step (so checkpoint v was
# created at first + v * step), and a checkpoint distribution
# "$name-ckpt" (and a plain one "$name-plain" when $a{plain}).  The
# manifest of every publication is the artifact $a{manifest_sha256}.
sub bench_sql_checkpoint_repository {
    my (%a) = @_;
    my ($name, $n) = @a{qw(name versions)};
    my $plain = $a{plain} ? <<"SQL" : '';
INSERT INTO distribution (name, base_path, repository_id, checkpoint)
  SELECT '$name-plain', '$name-plain', id, false FROM repository WHERE name = '$name';
SQL
    return <<"SQL" . $plain;
INSERT INTO repository (name, latest_number) VALUES ('$name', $n);
INSERT INTO repository_version (repository_id, number, present)
  SELECT r.id, v, CASE WHEN v = 0 THEN 0 ELSE $a{present} END
  FROM repository r, generate_series(0, $n) v WHERE r.name = '$name';
INSERT INTO publication (repository_id, repository_version_id, version_number, checkpoint,
                         checkpoint_second, manifest_sha256, pulp_created)
  SELECT v.repository_id, v.id, v.number, true,
         timestamptz '$a{first}' + v.number * interval '$a{step}',
         '$a{manifest_sha256}', timestamptz '$a{first}' + v.number * interval '$a{step}'
  FROM repository_version v JOIN repository r ON r.id = v.repository_id
  WHERE r.name = '$name' AND v.number > 0;
INSERT INTO distribution (name, base_path, repository_id, checkpoint)
  SELECT '$name-ckpt', '$name-ckpt', id, true FROM repository WHERE name = '$name';
SQL
}

# Content units (no repository) for the API's modify/: $select yields
# (relative_path, sha256) of artifacts that exist.
sub bench_sql_content {
    my ($select) = @_;
    return "INSERT INTO content (relative_path, sha256) $select ON CONFLICT DO NOTHING";
}

# Writes $bytes as an artifact of the storage at $storage
# (<storage>/artifact/<sha[0:2]>/<sha[2:]>, as the module stores them) and
# returns its sha256.  The caller gives the files to the httpd user.
my %made_dir;
sub bench_write_artifact {
    my ($storage, $bytes) = @_;
    my $sha = Digest::SHA::sha256_hex($bytes);
    my $dir = "$storage/artifact/" . substr($sha, 0, 2);
    unless ($made_dir{$dir}++) { File::Path::make_path($dir) }
    my $file = "$dir/" . substr($sha, 2);
    unless (-e $file) {
        open(my $fh, '>:raw', $file) or die "$file: $!";
        print $fh $bytes;
        close $fh or die "$file: $!";
    }
    return $sha;
}

1;
