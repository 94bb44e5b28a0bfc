namespace Capstan.State;

/// <summary>
/// One step of the schema. <see cref="Sql"/> is written once for both engines; <c>{blob}</c> and <c>{double}</c>
/// stand for the types the engines spell differently (see <see cref="StateDatabase.Dialect"/>). Integers are BIGINT
/// and times BIGINT Unix milliseconds in both; text is TEXT; JSON is TEXT.
/// </summary>
internal sealed record Migration(int Version, string Name, string Sql);

/// <summary>The migrations this build knows, in order. Never edit one that has shipped: add the next.</summary>
internal static class Migrations
{
    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "initial schema", """
            CREATE TABLE capstan_runs (
                id TEXT PRIMARY KEY,
                app TEXT NOT NULL,
                status TEXT NOT NULL,
                triggered_by TEXT NOT NULL,
                commit_sha TEXT NULL,
                started_at BIGINT NOT NULL,
                finished_at BIGINT NULL
            );
            CREATE INDEX capstan_runs_by_app ON capstan_runs (app, started_at);

            CREATE TABLE capstan_job_runs (
                run_id TEXT NOT NULL REFERENCES capstan_runs (id) ON DELETE CASCADE,
                job TEXT NOT NULL,
                status TEXT NOT NULL,
                attempt BIGINT NOT NULL,
                started_at BIGINT NULL,
                finished_at BIGINT NULL,
                exit_code BIGINT NULL,
                inputs_hash TEXT NULL,
                detail TEXT NULL,
                PRIMARY KEY (run_id, job)
            );
            CREATE INDEX capstan_job_runs_by_inputs ON capstan_job_runs (job, inputs_hash);

            CREATE TABLE capstan_artifacts (
                digest TEXT PRIMARY KEY,
                app TEXT NOT NULL,
                job TEXT NOT NULL,
                run_id TEXT NOT NULL,
                size_bytes BIGINT NOT NULL,
                location TEXT NOT NULL,
                created_at BIGINT NOT NULL
            );
            CREATE INDEX capstan_artifacts_by_app ON capstan_artifacts (app, created_at);

            CREATE TABLE capstan_releases (
                id TEXT PRIMARY KEY,
                app TEXT NOT NULL,
                service TEXT NOT NULL,
                artifact_digest TEXT NOT NULL,
                config_hash TEXT NOT NULL,
                secret_versions TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                created_by TEXT NOT NULL
            );
            CREATE INDEX capstan_releases_by_service ON capstan_releases (app, service, created_at);

            CREATE TABLE capstan_deployments (
                id TEXT PRIMARY KEY,
                app TEXT NOT NULL,
                environment TEXT NOT NULL,
                release_id TEXT NOT NULL REFERENCES capstan_releases (id),
                strategy TEXT NOT NULL,
                status TEXT NOT NULL,
                step TEXT NOT NULL,
                state TEXT NOT NULL,
                revision BIGINT NOT NULL,
                created_by TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                finished_at BIGINT NULL,
                reason TEXT NULL
            );
            CREATE INDEX capstan_deployments_by_environment ON capstan_deployments (app, environment, created_at);
            CREATE INDEX capstan_deployments_unfinished ON capstan_deployments (created_at) WHERE finished_at IS NULL;

            CREATE TABLE capstan_secret_names (
                app TEXT NOT NULL,
                environment TEXT NOT NULL,
                name TEXT NOT NULL,
                last_version BIGINT NOT NULL,
                PRIMARY KEY (app, environment, name)
            );

            CREATE TABLE capstan_secret_versions (
                app TEXT NOT NULL,
                environment TEXT NOT NULL,
                name TEXT NOT NULL,
                version BIGINT NOT NULL,
                ciphertext {blob} NOT NULL,
                key_id TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                created_by TEXT NOT NULL,
                deleted_at BIGINT NULL,
                PRIMARY KEY (app, environment, name, version),
                FOREIGN KEY (app, environment, name) REFERENCES capstan_secret_names (app, environment, name)
            );

            CREATE TABLE capstan_audit (
                sequence BIGINT PRIMARY KEY,
                occurred_at BIGINT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                app TEXT NOT NULL,
                environment TEXT NULL,
                subject TEXT NOT NULL,
                version BIGINT NULL,
                detail TEXT NULL,
                previous_hash TEXT NOT NULL,
                hash TEXT NOT NULL
            );
            CREATE INDEX capstan_audit_by_subject ON capstan_audit (subject, sequence);
            CREATE INDEX capstan_audit_by_time ON capstan_audit (occurred_at);

            CREATE TABLE capstan_alerts (
                app TEXT NOT NULL,
                rule TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                status TEXT NOT NULL,
                severity TEXT NOT NULL,
                active_since BIGINT NULL,
                resolved_at BIGINT NULL,
                last_evaluated_at BIGINT NOT NULL,
                value {double} NULL,
                labels TEXT NOT NULL,
                PRIMARY KEY (app, rule, fingerprint)
            );
            """),
        new(2, "keys and the audit head", """
            CREATE TABLE capstan_keys (
                purpose TEXT PRIMARY KEY,
                key_id TEXT NOT NULL,
                material {blob} NOT NULL,
                updated_at BIGINT NOT NULL
            );

            CREATE TABLE capstan_audit_head (
                id BIGINT PRIMARY KEY CHECK (id = 1),
                sequence BIGINT NOT NULL,
                hash TEXT NOT NULL,
                seal TEXT NOT NULL
            );
            """),
        new(3, "pipeline runs: environment, test results, artifacts, reuse", """
            ALTER TABLE capstan_runs ADD COLUMN environment TEXT NULL;
            ALTER TABLE capstan_job_runs ADD COLUMN tests_passed BIGINT NULL;
            ALTER TABLE capstan_job_runs ADD COLUMN tests_failed BIGINT NULL;
            ALTER TABLE capstan_job_runs ADD COLUMN tests_skipped BIGINT NULL;
            ALTER TABLE capstan_job_runs ADD COLUMN failed_tests TEXT NULL;
            ALTER TABLE capstan_job_runs ADD COLUMN artifact_digest TEXT NULL;
            ALTER TABLE capstan_job_runs ADD COLUMN reused_run_id TEXT NULL;
            """),

        // SQLite adds a NOT NULL column only with a default, so the two release columns have one; the store always writes both.
        // Releases made before this migration belong to no environment (''), and are numbered 1, 2, 3, … per app and service
        // in the order they were made (ties broken by id), which is the order the store's version numbering would have given.
        new(4, "releases per environment with versions, previous release of a deployment, API tokens", """
            ALTER TABLE capstan_releases ADD COLUMN environment TEXT NOT NULL DEFAULT '';
            ALTER TABLE capstan_releases ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
            UPDATE capstan_releases SET version = (
                SELECT COUNT(*) FROM capstan_releases earlier
                WHERE earlier.app = capstan_releases.app AND earlier.service = capstan_releases.service
                    AND (earlier.created_at < capstan_releases.created_at
                        OR (earlier.created_at = capstan_releases.created_at AND earlier.id <= capstan_releases.id)));
            CREATE UNIQUE INDEX capstan_releases_by_version ON capstan_releases (app, environment, service, version);

            ALTER TABLE capstan_deployments ADD COLUMN previous_release_id TEXT NULL REFERENCES capstan_releases (id);

            CREATE TABLE capstan_api_tokens (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                hash TEXT NOT NULL UNIQUE,
                role TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                created_by TEXT NOT NULL,
                last_used_at BIGINT NULL,
                revoked_at BIGINT NULL
            );
            CREATE UNIQUE INDEX capstan_api_tokens_active_name ON capstan_api_tokens (name) WHERE revoked_at IS NULL;
            """),

        // An incident's last_sequence numbers its timeline: appending an event raises it first, which on PostgreSQL locks the
        // incident's row until the transaction ends, so events are numbered 1, 2, 3, … without gaps or a retry loop.
        // Alerts made before this migration have no acknowledgement (NULL).
        new(5, "incidents and their timelines, silences, alert acknowledgements, notification log", """
            CREATE TABLE capstan_incidents (
                id TEXT PRIMARY KEY,
                app TEXT NOT NULL,
                environment TEXT NULL,
                title TEXT NOT NULL,
                severity BIGINT NOT NULL CHECK (severity BETWEEN 1 AND 4),
                status TEXT NOT NULL,
                opened_at BIGINT NOT NULL,
                opened_by TEXT NOT NULL,
                acknowledged_at BIGINT NULL,
                acknowledged_by TEXT NULL,
                resolved_at BIGINT NULL,
                resolved_by TEXT NULL,
                services TEXT NOT NULL,
                alert_fingerprints TEXT NOT NULL,
                firing_alerts TEXT NOT NULL,
                last_sequence BIGINT NOT NULL
            );
            CREATE INDEX capstan_incidents_by_app ON capstan_incidents (app, opened_at);
            CREATE INDEX capstan_incidents_unresolved ON capstan_incidents (app, opened_at) WHERE status <> 'resolved';

            CREATE TABLE capstan_incident_events (
                incident_id TEXT NOT NULL REFERENCES capstan_incidents (id) ON DELETE CASCADE,
                sequence BIGINT NOT NULL,
                occurred_at BIGINT NOT NULL,
                kind TEXT NOT NULL,
                actor TEXT NOT NULL,
                text TEXT NOT NULL,
                PRIMARY KEY (incident_id, sequence)
            );

            CREATE TABLE capstan_silences (
                id TEXT PRIMARY KEY,
                app TEXT NOT NULL,
                matchers TEXT NOT NULL,
                starts_at BIGINT NOT NULL,
                ends_at BIGINT NOT NULL,
                created_by TEXT NOT NULL,
                reason TEXT NOT NULL,
                expired_at BIGINT NULL
            );
            CREATE INDEX capstan_silences_by_app ON capstan_silences (app, ends_at);

            ALTER TABLE capstan_alerts ADD COLUMN acknowledged_at BIGINT NULL;
            ALTER TABLE capstan_alerts ADD COLUMN acknowledged_by TEXT NULL;
            ALTER TABLE capstan_alerts ADD COLUMN firing_since BIGINT NULL;

            CREATE TABLE capstan_notifications (
                id TEXT PRIMARY KEY,
                app TEXT NOT NULL,
                receiver TEXT NOT NULL,
                group_key TEXT NOT NULL,
                status TEXT NOT NULL,
                attempt BIGINT NOT NULL,
                outcome TEXT NOT NULL,
                error TEXT NULL,
                occurred_at BIGINT NOT NULL
            );
            CREATE INDEX capstan_notifications_by_app ON capstan_notifications (app, occurred_at);
            CREATE INDEX capstan_notifications_by_time ON capstan_notifications (occurred_at);
            """),
    ];
}
