import PostgresNIO

/// The Postgres schema, as numbered forward-only migrations.
///
/// `turn` orders a key's items for fair claiming: each key's items continue from
/// where the queue stands when they arrive, so keys take turns within a priority.
enum PostgresMigrations {
    static let all: [(version: Int, statements: [PostgresQuery])] = [
        (1, [
            """
            CREATE TABLE api_keys (
              id text PRIMARY KEY, prefix text NOT NULL UNIQUE, secret_hash text NOT NULL,
              owner text NOT NULL, scopes text NOT NULL, rate_per_minute integer NOT NULL,
              burst integer NOT NULL, created_at bigint NOT NULL, revoked_at bigint)
            """,
            """
            CREATE TABLE jobs (
              id text PRIMARY KEY, owner_key_id text NOT NULL, job_type text NOT NULL,
              status text NOT NULL, priority integer NOT NULL, options text NOT NULL,
              idempotency_key text, total integer NOT NULL, queued integer NOT NULL,
              running integer NOT NULL, succeeded integer NOT NULL, failed integer NOT NULL,
              cancelled integer NOT NULL, cancel_requested boolean NOT NULL DEFAULT false,
              created_at bigint NOT NULL, updated_at bigint NOT NULL,
              started_at bigint, finished_at bigint)
            """,
            "CREATE INDEX jobs_owner_created ON jobs (owner_key_id, created_at DESC, id DESC)",
            """
            CREATE TABLE items (
              id text PRIMARY KEY, job_id text NOT NULL REFERENCES jobs (id), seq integer NOT NULL,
              client_id text NOT NULL, kind text NOT NULL, job_type text NOT NULL,
              input_ref text NOT NULL, src_lng text, tgt_lng text, model text NOT NULL,
              priority integer NOT NULL, owner_key_id text NOT NULL, turn bigint NOT NULL,
              status text NOT NULL, attempts integer NOT NULL, max_attempts integer NOT NULL,
              run_after bigint NOT NULL, lease_owner text, lease_expires_at bigint, result_ref text,
              error_code text, error_message text, model_used text, detected_language text,
              language_probability double precision, audio_seconds double precision,
              created_at bigint NOT NULL, started_at bigint, finished_at bigint)
            """,
            "CREATE UNIQUE INDEX items_job_client ON items (job_id, client_id)",
            "CREATE INDEX items_job_seq ON items (job_id, seq)",
            // Matches the claim's ORDER BY; partial, so finished items cost the claim nothing.
            """
            CREATE INDEX items_claim ON items (model, priority DESC, turn, created_at, seq)
              WHERE status = 'queued'
            """,
            "CREATE INDEX items_queue_front ON items (priority, turn) WHERE status = 'queued'",
            "CREATE INDEX items_lease ON items (lease_expires_at) WHERE status = 'running'",
            """
            CREATE TABLE key_turns (
              owner_key_id text NOT NULL, priority integer NOT NULL, next_turn bigint NOT NULL,
              PRIMARY KEY (owner_key_id, priority))
            """,
            """
            CREATE TABLE audit_log (
              id bigserial PRIMARY KEY, at bigint NOT NULL, key_id text,
              action text NOT NULL, target text NOT NULL, request_id text, remote_addr text)
            """,
        ]),
        (2, [
            "ALTER TABLE api_keys ADD COLUMN quota_audio_seconds double precision, ADD COLUMN quota_characters bigint",
            """
            CREATE TABLE usage_daily (
              owner_key_id text NOT NULL, day text NOT NULL, audio_seconds double precision NOT NULL DEFAULT 0,
              characters bigint NOT NULL DEFAULT 0, PRIMARY KEY (owner_key_id, day))
            """,
        ]),
        (3, [
            "ALTER TABLE jobs ADD COLUMN request_hash text",
            "ALTER TABLE items ADD COLUMN options text",
            // A key names at most one job per Idempotency-Key; an expired name is cleared before reuse.
            """
            CREATE UNIQUE INDEX jobs_idempotency ON jobs (owner_key_id, idempotency_key)
              WHERE idempotency_key IS NOT NULL
            """,
            """
            CREATE TABLE webhook_deliveries (
              id text PRIMARY KEY, job_id text NOT NULL REFERENCES jobs (id), owner_key_id text NOT NULL,
              url text NOT NULL, status text NOT NULL, attempts text NOT NULL, next_attempt_at bigint NOT NULL,
              lease_owner text, lease_expires_at bigint, created_at bigint NOT NULL, delivered_at bigint)
            """,
            "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'",
            "CREATE INDEX webhook_deliveries_job ON webhook_deliveries (job_id, created_at)",
        ]),
        // Retention and deletion: a job's content is purged (leased, like a claim) once it is
        // deleted or past its retention; uploads expire unless a job names them.
        (4, [
            "ALTER TABLE jobs ADD COLUMN retention_seconds bigint",
            "ALTER TABLE jobs ADD COLUMN deleted_at bigint",
            "ALTER TABLE jobs ADD COLUMN purged_at bigint",
            "ALTER TABLE jobs ADD COLUMN purge_owner text",
            "ALTER TABLE jobs ADD COLUMN purge_lease_until bigint",
            "CREATE INDEX jobs_unpurged ON jobs (finished_at) WHERE purged_at IS NULL",
            """
            CREATE TABLE uploads (
              id text PRIMARY KEY, owner_key_id text NOT NULL, blob_key text NOT NULL UNIQUE, bytes bigint NOT NULL,
              created_at bigint NOT NULL, expires_at bigint, lease_owner text, lease_expires_at bigint)
            """,
            "CREATE INDEX uploads_expiry ON uploads (expires_at) WHERE expires_at IS NOT NULL",
        ]),
        // Hard quotas: what items hold reserved, per item and per key and day; an upload's
        // probed duration.
        (5, [
            "ALTER TABLE items ADD COLUMN quota_reserved double precision NOT NULL DEFAULT 0",
            """
            ALTER TABLE usage_daily ADD COLUMN reserved_audio_seconds double precision NOT NULL DEFAULT 0,
              ADD COLUMN reserved_characters bigint NOT NULL DEFAULT 0
            """,
            "ALTER TABLE uploads ADD COLUMN audio_seconds double precision",
        ]),
        // Diarization: how many speakers a diarized item's result holds.
        (6, ["ALTER TABLE items ADD COLUMN speakers integer"]),
    ]

    /// The version a fully migrated database is at.
    static var latest: Int { all.map(\.version).max() ?? 0 }
}
