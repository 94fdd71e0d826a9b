/// The SQLite schema, as numbered forward-only migrations.
enum SQLiteMigrations {
    static let all: [(version: Int, statements: [String])] = [
        (1, [
            """
            CREATE TABLE api_keys (
              id TEXT PRIMARY KEY, prefix TEXT NOT NULL UNIQUE, secret_hash TEXT NOT NULL,
              owner TEXT NOT NULL, scopes TEXT NOT NULL, rate_per_minute INTEGER NOT NULL,
              burst INTEGER NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER)
            """,
            """
            CREATE TABLE jobs (
              id TEXT PRIMARY KEY, owner_key_id TEXT NOT NULL, job_type TEXT NOT NULL,
              status TEXT NOT NULL, priority INTEGER NOT NULL, options TEXT NOT NULL,
              idempotency_key TEXT, total INTEGER NOT NULL, queued INTEGER NOT NULL,
              running INTEGER NOT NULL, succeeded INTEGER NOT NULL, failed INTEGER NOT NULL,
              cancelled INTEGER NOT NULL, cancel_requested INTEGER NOT NULL DEFAULT 0,
              created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
              started_at INTEGER, finished_at INTEGER)
            """,
            "CREATE INDEX jobs_owner_created ON jobs (owner_key_id, created_at DESC, id DESC)",
            """
            CREATE TABLE items (
              id TEXT PRIMARY KEY, job_id TEXT NOT NULL REFERENCES jobs (id), seq INTEGER NOT NULL,
              client_id TEXT NOT NULL, kind TEXT NOT NULL, job_type TEXT NOT NULL,
              input_ref TEXT NOT NULL, src_lng TEXT, tgt_lng TEXT, model TEXT NOT NULL,
              priority INTEGER NOT NULL, owner_key_id TEXT NOT NULL, status TEXT NOT NULL,
              attempts INTEGER NOT NULL, max_attempts INTEGER NOT NULL, run_after INTEGER NOT NULL,
              lease_owner TEXT, lease_expires_at INTEGER, result_ref TEXT, error_code TEXT,
              error_message TEXT, model_used TEXT, detected_language TEXT,
              language_probability REAL, audio_seconds REAL, created_at INTEGER NOT NULL,
              started_at INTEGER, finished_at INTEGER)
            """,
            "CREATE UNIQUE INDEX items_job_client ON items (job_id, client_id)",
            "CREATE INDEX items_job_seq ON items (job_id, seq)",
            "CREATE INDEX items_ready ON items (model, status, priority DESC, owner_key_id, created_at, seq)",
            "CREATE INDEX items_lease ON items (status, lease_expires_at)",
            """
            CREATE TABLE audit_log (
              id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, key_id TEXT,
              action TEXT NOT NULL, target TEXT NOT NULL, request_id TEXT, remote_addr TEXT)
            """,
        ]),
        (2, [
            "ALTER TABLE api_keys ADD COLUMN quota_audio_seconds REAL",
            "ALTER TABLE api_keys ADD COLUMN quota_characters INTEGER",
            """
            CREATE TABLE usage_daily (
              owner_key_id TEXT NOT NULL, day TEXT NOT NULL, audio_seconds REAL NOT NULL DEFAULT 0,
              characters INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (owner_key_id, day))
            """,
        ]),
        (3, [
            "ALTER TABLE jobs ADD COLUMN request_hash TEXT",
            "ALTER TABLE items ADD COLUMN options TEXT",
            """
            CREATE UNIQUE INDEX jobs_idempotency ON jobs (owner_key_id, idempotency_key)
              WHERE idempotency_key IS NOT NULL
            """,
            """
            CREATE TABLE webhook_deliveries (
              id TEXT PRIMARY KEY, job_id TEXT NOT NULL REFERENCES jobs (id), owner_key_id TEXT NOT NULL,
              url TEXT NOT NULL, status TEXT NOT NULL, attempts TEXT NOT NULL, next_attempt_at INTEGER NOT NULL,
              lease_owner TEXT, lease_expires_at INTEGER, created_at INTEGER NOT NULL, delivered_at INTEGER)
            """,
            "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at)",
            "CREATE INDEX webhook_deliveries_job ON webhook_deliveries (job_id, created_at)",
        ]),
        // Retention and deletion: a job's content is purged (leased, like a claim) once it is
        // deleted or past its retention; uploads expire unless a job names them.
        (4, [
            "ALTER TABLE jobs ADD COLUMN retention_seconds INTEGER",
            "ALTER TABLE jobs ADD COLUMN deleted_at INTEGER",
            "ALTER TABLE jobs ADD COLUMN purged_at INTEGER",
            "ALTER TABLE jobs ADD COLUMN purge_owner TEXT",
            "ALTER TABLE jobs ADD COLUMN purge_lease_until INTEGER",
            "CREATE INDEX jobs_unpurged ON jobs (finished_at) WHERE purged_at IS NULL",
            """
            CREATE TABLE uploads (
              id TEXT PRIMARY KEY, owner_key_id TEXT NOT NULL, blob_key TEXT NOT NULL UNIQUE, bytes INTEGER NOT NULL,
              created_at INTEGER NOT NULL, expires_at INTEGER, lease_owner TEXT, lease_expires_at INTEGER)
            """,
            "CREATE INDEX uploads_expiry ON uploads (expires_at) WHERE expires_at IS NOT NULL",
        ]),
        // Hard quotas: what items hold reserved, per item and per key and day; an upload's
        // probed duration.
        (5, [
            "ALTER TABLE items ADD COLUMN quota_reserved REAL NOT NULL DEFAULT 0",
            "ALTER TABLE usage_daily ADD COLUMN reserved_audio_seconds REAL NOT NULL DEFAULT 0",
            "ALTER TABLE usage_daily ADD COLUMN reserved_characters INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE uploads ADD COLUMN audio_seconds REAL",
        ]),
        // Diarization: how many speakers a diarized item's result holds.
        (6, ["ALTER TABLE items ADD COLUMN speakers INTEGER"]),
    ]
}
