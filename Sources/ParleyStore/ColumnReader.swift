import Foundation
import ParleyCore

/// Typed access to a result row's columns, whichever database it came from; the domain
/// values are read from rows once, here, for every store.
protocol ColumnReader {
    func string(_ name: String) throws -> String
    func optionalString(_ name: String) throws -> String?
    func int(_ name: String) throws -> Int
    func optionalInt(_ name: String) throws -> Int?
    func millis(_ name: String) throws -> Millis
    func optionalMillis(_ name: String) throws -> Millis?
    func optionalDouble(_ name: String) throws -> Double?
    func bool(_ name: String) throws -> Bool
}

extension ColumnReader {
    func job() throws -> Job {
        let options = (try? JSONDecoder().decode(JobOptions.self, from: Data(try string("options").utf8))) ?? JobOptions()
        return Job(
            id: try string("id"), ownerKeyId: try string("owner_key_id"),
            type: JobType(rawValue: try string("job_type")) ?? .asr,
            status: JobStatus(rawValue: try string("status")) ?? .queued,
            priority: try int("priority"), options: options, idempotencyKey: try optionalString("idempotency_key"),
            requestHash: try optionalString("request_hash"),
            counts: JobCounts(
                total: try int("total"), queued: try int("queued"), running: try int("running"),
                succeeded: try int("succeeded"), failed: try int("failed"), cancelled: try int("cancelled")),
            cancelRequested: try bool("cancel_requested"),
            createdAt: try millis("created_at"), updatedAt: try millis("updated_at"),
            startedAt: try optionalMillis("started_at"), finishedAt: try optionalMillis("finished_at"),
            retentionSeconds: try optionalInt("retention_seconds"))
    }

    func item() throws -> JobItem {
        JobItem(
            id: try string("id"), jobId: try string("job_id"), clientId: try string("client_id"),
            kind: ItemKind(rawValue: try string("kind")) ?? .audio,
            jobType: JobType(rawValue: try string("job_type")) ?? .asr,
            input: ItemInput(reference: try string("input_ref")) ?? .text(""),
            srcLng: try optionalString("src_lng"), tgtLng: try optionalString("tgt_lng"),
            options: try optionalString("options").flatMap { try? JSONDecoder().decode(ItemOptions.self, from: Data($0.utf8)) },
            model: try string("model"),
            priority: try int("priority"), ownerKeyId: try string("owner_key_id"),
            status: ItemStatus(rawValue: try string("status")) ?? .queued,
            attempts: try int("attempts"), maxAttempts: try int("max_attempts"), runAfter: try millis("run_after"),
            leaseOwner: try optionalString("lease_owner"), leaseExpiresAt: try optionalMillis("lease_expires_at"),
            resultRef: try optionalString("result_ref"), errorCode: try optionalString("error_code"),
            errorMessage: try optionalString("error_message"), modelUsed: try optionalString("model_used"),
            detectedLanguage: try optionalString("detected_language"),
            languageProbability: try optionalDouble("language_probability"),
            audioSeconds: try optionalDouble("audio_seconds"), speakers: try optionalInt("speakers"),
            quotaReserved: try optionalDouble("quota_reserved") ?? 0, createdAt: try millis("created_at"),
            startedAt: try optionalMillis("started_at"), finishedAt: try optionalMillis("finished_at"))
    }

    func apiKey() throws -> APIKeyRecord {
        APIKeyRecord(
            id: try string("id"), prefix: try string("prefix"), secretHash: try string("secret_hash"), owner: try string("owner"),
            scopes: Set(try string("scopes").split(separator: " ").compactMap { Scope(rawValue: String($0)) }),
            rate: RateSettings(perMinute: try int("rate_per_minute"), burst: try int("burst")),
            quotas: Quotas(audioSecondsPerDay: try optionalDouble("quota_audio_seconds"), charactersPerDay: try optionalInt("quota_characters")),
            createdAt: try millis("created_at"), revokedAt: try optionalMillis("revoked_at"))
    }

    func upload() throws -> UploadRecord {
        UploadRecord(
            id: try string("id"), ownerKeyId: try string("owner_key_id"), blobKey: try string("blob_key"), bytes: try int("bytes"),
            createdAt: try millis("created_at"), expiresAt: try optionalMillis("expires_at"),
            audioSeconds: try optionalDouble("audio_seconds"))
    }

    func webhookDelivery() throws -> WebhookDelivery {
        let attempts = (try? JSONDecoder().decode([WebhookAttempt].self, from: Data(try string("attempts").utf8))) ?? []
        return WebhookDelivery(
            id: try string("id"), jobId: try string("job_id"), ownerKeyId: try string("owner_key_id"), url: try string("url"),
            status: WebhookDeliveryStatus(rawValue: try string("status")) ?? .pending, attempts: attempts,
            nextAttemptAt: try millis("next_attempt_at"), createdAt: try millis("created_at"),
            deliveredAt: try optionalMillis("delivered_at"))
    }

    func audit() throws -> AuditEntry {
        AuditEntry(
            at: try millis("at"), keyId: try optionalString("key_id"), action: try string("action"),
            target: try string("target"), requestId: try optionalString("request_id"),
            remoteAddress: try optionalString("remote_addr"))
    }
}
