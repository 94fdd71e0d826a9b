import Foundation
import ParleyCore

/// One item's new column values after an `ItemTransition`. Both stores write any number of
/// them in one statement: the writes travel as one JSON array (Postgres reads it with
/// `jsonb_to_recordset`, SQLite with `json_each`) and `assignments` says, once, which columns
/// each kind of transition sets and which it keeps.
struct ItemWrite: Encodable, Sendable {
    let id: String
    let status: String
    let resultRef: String?
    let modelUsed: String?
    let detectedLanguage: String?
    let languageProbability: Double?
    let audioSeconds: Double?
    /// Speakers of a diarized result.
    let speakers: Int?
    let errorCode: String?
    let errorMessage: String?
    let finishedAt: Millis?
    let runAfter: Millis?
    /// 1 when the claim's attempt is given back.
    let refund: Int

    init(id: String, transition: ItemTransition, now: Millis) {
        let (code, message) = transition.error.recorded
        self.id = id
        status = transition.status.rawValue
        resultRef = transition.resultRef
        modelUsed = transition.metadata?.modelUsed
        detectedLanguage = transition.metadata?.detectedLanguage
        languageProbability = transition.metadata?.languageProbability
        audioSeconds = transition.metadata?.audioSeconds
        speakers = transition.metadata?.speakers
        errorCode = code
        errorMessage = message
        finishedAt = transition.finishedAt
        runAfter = transition.status == .queued ? (transition.runAfter ?? now) : nil
        refund = transition.refundsAttempt ? 1 : 0
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, status, resultRef = "result_ref", modelUsed = "model_used", detectedLanguage = "detected_language"
        case languageProbability = "language_probability", audioSeconds = "audio_seconds", speakers, errorCode = "error_code"
        case errorMessage = "error_message", finishedAt = "finished_at", runAfter = "run_after", refund
    }

    /// The SET lists and record shapes of each dialect's `UPDATE items AS i … FROM (the writes)
    /// AS v WHERE i.id = v.id`, built once.
    static let postgresAssignments = assignments(greatest: "GREATEST")
    static let sqliteAssignments = assignments(greatest: "MAX")
    /// `jsonb_to_recordset`'s column list (a missing key reads as NULL).
    static let postgresRecord = CodingKeys.allCases.map { "\($0.rawValue) \(postgresType($0))" }.joined(separator: ", ")
    /// The fields of `json_each`'s rows.
    static let sqliteFields = CodingKeys.allCases.map { "value ->> '$.\($0.rawValue)' AS \($0.rawValue)" }.joined(separator: ", ")

    private static func postgresType(_ key: CodingKeys) -> String {
        switch key {
        case .languageProbability, .audioSeconds: "double precision"
        case .finishedAt, .runAfter: "bigint"
        case .refund, .speakers: "integer"
        default: "text"
        }
    }

    /// The writes as one JSON array.
    static func json(_ writes: [ItemWrite]) throws -> String {
        String(decoding: try JSONEncoder().encode(writes), as: UTF8.self)
    }

    /// The SET list: a success sets its result and clears the error; a failure records its
    /// error; a requeue records its error when it has one (a release keeps the last) and its
    /// next run; every end clears the lease. `greatest` is the dialect's two-argument maximum.
    private static func assignments(greatest: String) -> String {
        let succeeded = ["result_ref", "model_used", "detected_language", "language_probability", "audio_seconds", "speakers"].map {
            "\($0) = CASE WHEN v.status = 'succeeded' THEN v.\($0) ELSE i.\($0) END"
        }
        let errors = ["error_code", "error_message"].map {
            "\($0) = CASE v.status WHEN 'succeeded' THEN NULL WHEN 'failed' THEN v.\($0) WHEN 'queued' THEN COALESCE(v.\($0), i.\($0)) ELSE i.\($0) END"
        }
        return (["status = v.status"] + succeeded + errors + [
            "finished_at = CASE WHEN v.status = 'queued' THEN i.finished_at ELSE v.finished_at END",
            "run_after = CASE WHEN v.status = 'queued' THEN v.run_after ELSE i.run_after END",
            "attempts = \(greatest)(i.attempts - v.refund, 0)",
            "lease_owner = NULL", "lease_expires_at = NULL",
        ]).joined(separator: ", ")
    }
}
