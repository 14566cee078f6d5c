-- mod_checkpoint: the data model of SPEC section 1.
--
-- Membership of content in repository versions is kept as version ranges
-- ([version_added, version_removed) per repository), so a new version costs
-- rows in proportion to what it adds and removes, never to the size of the
-- repository.  A publication resolves its files through its repository
-- version, so it costs one row plus its manifest.

CREATE TABLE artifact (
    sha256        text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size          bigint NOT NULL CHECK (size >= 0),
    pulp_created  timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE content (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    relative_path text NOT NULL CHECK (relative_path <> '' AND left(relative_path, 1) <> '/'),
    sha256        text NOT NULL REFERENCES artifact (sha256),
    pulp_created  timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (relative_path, sha256)
);
CREATE INDEX content_sha256_idx ON content (sha256);

CREATE TABLE repository (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                 text NOT NULL UNIQUE CHECK (name <> ''),
    description          text,
    retain_repo_versions integer CHECK (retain_repo_versions > 0),
    retain_checkpoints   integer CHECK (retain_checkpoints > 0),
    latest_number        integer NOT NULL DEFAULT 0,
    pulp_created         timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE repository_version (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    repository_id uuid NOT NULL REFERENCES repository (id) ON DELETE CASCADE,
    number        integer NOT NULL CHECK (number >= 0),
    base_version  integer,
    added         bigint NOT NULL DEFAULT 0,
    removed       bigint NOT NULL DEFAULT 0,
    present       bigint NOT NULL DEFAULT 0,
    pulp_created  timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (repository_id, number)
);

-- One row per stretch of versions in which a unit is present:
-- present in version N when version_added <= N < coalesce(version_removed, inf).
-- relative_path and its directory are copied from content so that the
-- content side finds a file, or a directory's children, with one index scan.
CREATE TABLE repository_content (
    repository_id   uuid NOT NULL REFERENCES repository (id) ON DELETE CASCADE,
    content_id      uuid NOT NULL REFERENCES content (id),
    relative_path   text NOT NULL,
    dir             text NOT NULL,
    version_added   integer NOT NULL,
    version_removed integer,
    CHECK (version_removed IS NULL OR version_removed > version_added)
);
-- a file by relative path in a version
CREATE INDEX repository_content_path_idx
    ON repository_content (repository_id, relative_path, version_added);
-- the direct children of a directory in a version
CREATE INDEX repository_content_dir_idx
    ON repository_content (repository_id, dir text_pattern_ops, version_added);
-- the units of the newest version (what modify/ works on)
CREATE INDEX repository_content_current_idx
    ON repository_content (repository_id, content_id) WHERE version_removed IS NULL;
-- at most one open range per unit and per path in a repository
CREATE UNIQUE INDEX repository_content_open_unit_idx
    ON repository_content (repository_id, content_id) WHERE version_removed IS NULL;
CREATE UNIQUE INDEX repository_content_open_path_idx
    ON repository_content (repository_id, relative_path) WHERE version_removed IS NULL;

CREATE TABLE publication (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    repository_id         uuid NOT NULL REFERENCES repository (id) ON DELETE CASCADE,
    repository_version_id uuid NOT NULL REFERENCES repository_version (id) ON DELETE CASCADE,
    version_number        integer NOT NULL,
    checkpoint            boolean NOT NULL DEFAULT false,
    -- the second a checkpoint publication was created in; kept when
    -- retention clears the flag, so no later checkpoint can reuse it
    checkpoint_second     timestamptz,
    manifest              text NOT NULL DEFAULT 'PULP_MANIFEST',
    manifest_sha256       text NOT NULL REFERENCES artifact (sha256),
    pulp_created          timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK (checkpoint_second IS NOT NULL OR NOT checkpoint),
    CHECK (checkpoint_second IS NULL OR checkpoint_second = date_trunc('second', pulp_created))
);
-- two checkpoints of one repository never share a second
CREATE UNIQUE INDEX publication_checkpoint_second_idx
    ON publication (repository_id, checkpoint_second);
-- the latest checkpoint at or before a time
CREATE INDEX publication_checkpoint_idx
    ON publication (repository_id, pulp_created) WHERE checkpoint;
-- the newest publication of a repository or of a version
CREATE INDEX publication_repository_idx ON publication (repository_id, pulp_created);
CREATE INDEX publication_version_idx ON publication (repository_version_id, pulp_created);

CREATE TABLE distribution (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                  text NOT NULL UNIQUE CHECK (name <> ''),
    base_path             text NOT NULL UNIQUE CHECK (base_path <> '' AND left(base_path, 1) <> '/'),
    publication_id        uuid REFERENCES publication (id) ON DELETE SET NULL,
    repository_id         uuid REFERENCES repository (id) ON DELETE SET NULL,
    repository_version_id uuid REFERENCES repository_version (id) ON DELETE SET NULL,
    checkpoint            boolean NOT NULL DEFAULT false,
    pulp_created          timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK ((publication_id IS NOT NULL)::int + (repository_id IS NOT NULL)::int
           + (repository_version_id IS NOT NULL)::int <= 1),
    CHECK (NOT checkpoint OR repository_id IS NOT NULL OR publication_id IS NULL AND repository_version_id IS NULL)
);
CREATE INDEX distribution_publication_idx ON distribution (publication_id);
CREATE INDEX distribution_repository_idx ON distribution (repository_id);
CREATE INDEX distribution_version_idx ON distribution (repository_version_id);
