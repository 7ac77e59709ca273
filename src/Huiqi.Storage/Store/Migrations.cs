namespace Huiqi.Storage.Store;

/// <summary>
/// Versioned schema migrations, one list per provider with the same numbers. Applied at start-up and by
/// <c>huiqi migrate</c>; each runs in its own transaction and is recorded in <c>schema_migrations</c>.
/// Timestamps are Unix milliseconds in both providers.
/// </summary>
internal static class Migrations
{
    public sealed record Migration(int Version, string Name, string Sql);

    public static readonly Migration[] Sqlite =
    [
        new(1, "initial schema", """
            CREATE TABLE enterprises (
                uscc TEXT PRIMARY KEY,
                region TEXT,
                profile TEXT NOT NULL,
                provenance TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                updated_at INTEGER NOT NULL,
                change_seq INTEGER NOT NULL
            );
            CREATE INDEX ix_enterprises_change_seq ON enterprises (change_seq);

            CREATE TABLE policy_versions (
                policy_id TEXT NOT NULL,
                version INTEGER NOT NULL,
                status TEXT NOT NULL,
                jurisdiction TEXT NOT NULL,
                document TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                created_by TEXT NOT NULL,
                published_at INTEGER,
                retired_at INTEGER,
                change_stamp INTEGER NOT NULL,
                PRIMARY KEY (policy_id, version)
            );

            CREATE TABLE entitlements (
                id TEXT PRIMARY KEY,
                uscc TEXT NOT NULL,
                policy_id TEXT NOT NULL,
                policy_version INTEGER NOT NULL,
                period TEXT NOT NULL,
                status TEXT NOT NULL,
                amount_fen INTEGER,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                UNIQUE (uscc, policy_id, period)
            );
            CREATE INDEX ix_entitlements_policy ON entitlements (policy_id, status);

            CREATE TABLE notifications (
                id TEXT PRIMARY KEY,
                uscc TEXT NOT NULL,
                kind TEXT NOT NULL,
                title TEXT NOT NULL,
                body TEXT NOT NULL,
                policy_id TEXT,
                read INTEGER NOT NULL,
                created_at INTEGER NOT NULL
            );
            CREATE INDEX ix_notifications_uscc ON notifications (uscc, created_at);

            CREATE TABLE audit_log (
                seq INTEGER PRIMARY KEY,
                who TEXT NOT NULL,
                role TEXT NOT NULL,
                what TEXT NOT NULL,
                policy_id TEXT,
                policy_version INTEGER,
                subject TEXT,
                snapshot_hash TEXT,
                at INTEGER NOT NULL,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL
            );
            CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
            CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
            """),
        new(2, "entitlement workflow", """
            ALTER TABLE entitlements ADD COLUMN region TEXT;
            ALTER TABLE entitlements ADD COLUMN tech_domains TEXT;
            ALTER TABLE entitlements ADD COLUMN enterprise_name TEXT;
            ALTER TABLE entitlements ADD COLUMN approved_amount_fen INTEGER;
            ALTER TABLE entitlements ADD COLUMN publicity_ends_on TEXT;
            ALTER TABLE entitlements ADD COLUMN objection_reason TEXT;
            ALTER TABLE entitlements ADD COLUMN resolution TEXT;
            ALTER TABLE entitlements ADD COLUMN receiving_account TEXT;
            ALTER TABLE entitlements ADD COLUMN payment_reference TEXT;
            CREATE INDEX ix_entitlements_uscc ON entitlements (uscc);
            CREATE INDEX ix_entitlements_status ON entitlements (status, publicity_ends_on);
            ALTER TABLE notifications ADD COLUMN entitlement_id TEXT;
            ALTER TABLE notifications ADD COLUMN missing_fields TEXT;
            """),
        new(3, "facts and verification", """
            ALTER TABLE audit_log ADD COLUMN detail TEXT;
            ALTER TABLE entitlements ADD COLUMN basis TEXT;
            ALTER TABLE entitlements ADD COLUMN claims TEXT;
            CREATE TABLE corrections (
                id TEXT PRIMARY KEY,
                uscc TEXT NOT NULL,
                region TEXT,
                field TEXT NOT NULL,
                current_json TEXT,
                current_provenance TEXT,
                proposed_json TEXT,
                reason TEXT NOT NULL,
                status TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                decided_by TEXT,
                decision TEXT,
                evidence_reference TEXT,
                decided_at INTEGER
            );
            CREATE INDEX ix_corrections_status ON corrections (status, id);
            CREATE INDEX ix_corrections_uscc ON corrections (uscc);
            """),
        new(4, "store identity", """
            CREATE TABLE store_identity (id TEXT NOT NULL);
            INSERT INTO store_identity (id) VALUES (lower(hex(randomblob(16))));
            """),
    ];

    public static readonly Migration[] Postgres =
    [
        new(1, "initial schema", """
            CREATE SEQUENCE enterprise_change_seq;
            CREATE TABLE enterprises (
                uscc TEXT PRIMARY KEY,
                region TEXT,
                profile TEXT NOT NULL,      -- JSON; text because it is only ever read whole (JSONB parsing doubled import time)
                provenance TEXT NOT NULL,   -- JSON
                fingerprint TEXT NOT NULL,
                updated_at BIGINT NOT NULL,
                change_seq BIGINT NOT NULL
            );
            CREATE INDEX ix_enterprises_change_seq ON enterprises (change_seq);

            CREATE TABLE policy_versions (
                policy_id TEXT NOT NULL,
                version INTEGER NOT NULL,
                status TEXT NOT NULL,
                jurisdiction TEXT NOT NULL,
                document JSONB NOT NULL,
                created_at BIGINT NOT NULL,
                created_by TEXT NOT NULL,
                published_at BIGINT,
                retired_at BIGINT,
                change_stamp BIGINT NOT NULL,
                PRIMARY KEY (policy_id, version)
            );

            CREATE TABLE entitlements (
                id TEXT PRIMARY KEY,
                uscc TEXT NOT NULL,
                policy_id TEXT NOT NULL,
                policy_version INTEGER NOT NULL,
                period TEXT NOT NULL,
                status TEXT NOT NULL,
                amount_fen BIGINT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                UNIQUE (uscc, policy_id, period)
            );
            CREATE INDEX ix_entitlements_policy ON entitlements (policy_id, status);

            CREATE TABLE notifications (
                id TEXT PRIMARY KEY,
                uscc TEXT NOT NULL,
                kind TEXT NOT NULL,
                title TEXT NOT NULL,
                body TEXT NOT NULL,
                policy_id TEXT,
                read BOOLEAN NOT NULL,
                created_at BIGINT NOT NULL
            );
            CREATE INDEX ix_notifications_uscc ON notifications (uscc, created_at);

            CREATE TABLE audit_log (
                seq BIGSERIAL PRIMARY KEY,
                who TEXT NOT NULL,
                role TEXT NOT NULL,
                what TEXT NOT NULL,
                policy_id TEXT,
                policy_version INTEGER,
                subject TEXT,
                snapshot_hash TEXT,
                at BIGINT NOT NULL,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL
            );
            CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS
                $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
            CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
                FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
            """),
        new(2, "entitlement workflow", """
            ALTER TABLE entitlements ADD COLUMN region TEXT;
            ALTER TABLE entitlements ADD COLUMN tech_domains TEXT;
            ALTER TABLE entitlements ADD COLUMN enterprise_name TEXT;
            ALTER TABLE entitlements ADD COLUMN approved_amount_fen BIGINT;
            ALTER TABLE entitlements ADD COLUMN publicity_ends_on TEXT;
            ALTER TABLE entitlements ADD COLUMN objection_reason TEXT;
            ALTER TABLE entitlements ADD COLUMN resolution TEXT;
            ALTER TABLE entitlements ADD COLUMN receiving_account TEXT;
            ALTER TABLE entitlements ADD COLUMN payment_reference TEXT;
            CREATE INDEX ix_entitlements_uscc ON entitlements (uscc);
            CREATE INDEX ix_entitlements_status ON entitlements (status, publicity_ends_on);
            ALTER TABLE notifications ADD COLUMN entitlement_id TEXT;
            ALTER TABLE notifications ADD COLUMN missing_fields TEXT;
            """),
        new(3, "facts and verification", """
            ALTER TABLE audit_log ADD COLUMN detail TEXT;
            ALTER TABLE entitlements ADD COLUMN basis TEXT;
            ALTER TABLE entitlements ADD COLUMN claims TEXT;
            CREATE TABLE corrections (
                id TEXT PRIMARY KEY,
                uscc TEXT NOT NULL,
                region TEXT,
                field TEXT NOT NULL,
                current_json TEXT,
                current_provenance TEXT,
                proposed_json TEXT,
                reason TEXT NOT NULL,
                status TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                decided_by TEXT,
                decision TEXT,
                evidence_reference TEXT,
                decided_at BIGINT
            );
            CREATE INDEX ix_corrections_status ON corrections (status, id);
            CREATE INDEX ix_corrections_uscc ON corrections (uscc);
            """),
        new(4, "store identity", """
            CREATE TABLE store_identity (id TEXT NOT NULL);
            INSERT INTO store_identity (id) VALUES (replace(gen_random_uuid()::text, '-', ''));
            """),
    ];
}
