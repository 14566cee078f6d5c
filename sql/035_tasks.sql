-- Remotes, and tasks run by `checkpoint worker` (issue 11).
--
-- A remote is a Pulp file remote: a PULP_MANIFEST URL and how to reach it
-- (TLS, proxy, credentials, concurrency).  Only the "immediate" policy is
-- implemented: every byte is downloaded by the sync.
--
-- A task is long work that the API answers with 202 {"task": href} and a
-- worker process does (sync).  A worker claims a waiting task with
-- FOR UPDATE SKIP LOCKED, woken by NOTIFY ckpt_task (sent by the insert),
-- and while it runs the task it holds the session advisory lock
-- (11, lock_key): a task that is "running" or "canceling" whose lock is
-- free belongs to a worker that died (SIGKILL, a crash, a lost session),
-- and is marked failed by whoever finds it (any worker, or the API when it
-- reads tasks), so no task stays running for ever.
CREATE TABLE remote (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                 text NOT NULL UNIQUE CHECK (name <> ''),
    url                  text NOT NULL CHECK (url <> ''),
    policy               text NOT NULL DEFAULT 'immediate' CHECK (policy = 'immediate'),
    tls_validation       boolean NOT NULL DEFAULT true,
    proxy_url            text,
    proxy_username       text,
    proxy_password       text,
    username             text,
    password             text,
    ca_cert              text,
    client_cert          text,
    client_key           text,
    download_concurrency integer CHECK (download_concurrency BETWEEN 1 AND 64),
    max_retries          integer CHECK (max_retries BETWEEN 0 AND 100),
    pulp_created         timestamptz NOT NULL DEFAULT clock_timestamp(),
    pulp_last_updated    timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- A repository's default remote (Pulp's "remote" field): a sync that
-- names none uses it.  Deleting the remote clears it, as in Pulp.
ALTER TABLE repository ADD COLUMN remote_id uuid REFERENCES remote (id) ON DELETE SET NULL;

CREATE TABLE task (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    lock_key         serial NOT NULL UNIQUE,
    name             text NOT NULL,
    state            text NOT NULL DEFAULT 'waiting'
                     CHECK (state IN ('waiting', 'running', 'canceling', 'completed', 'failed',
                                      'canceled')),
    pulp_created     timestamptz NOT NULL DEFAULT clock_timestamp(),
    started_at       timestamptz,
    finished_at      timestamptz,
    worker           text,
    error_description text,
    error_traceback  text,
    -- What the task works on: a sync's repository (reserved exclusively)
    -- and remote (shared), no foreign keys: a task outlives both.
    repository_id    uuid,
    remote_id        uuid,
    mirror           boolean NOT NULL DEFAULT false,
    -- Hrefs below the API root ("repositories/file/file/<id>/versions/3/"):
    -- the worker does not know where the API is mounted.
    created_resources text[] NOT NULL DEFAULT '{}',
    reserved_resources text[] NOT NULL DEFAULT '{}',
    progress_done    bigint,
    progress_total   bigint
);
CREATE INDEX task_waiting_idx ON task (pulp_created) WHERE state = 'waiting';
CREATE INDEX task_active_idx ON task (state) WHERE state IN ('running', 'canceling');
CREATE INDEX task_created_idx ON task (pulp_created);
