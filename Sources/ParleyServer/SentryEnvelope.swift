import Foundation
import ParleyCore

/// Builds Sentry's envelope format: an envelope header line, an item header line, then the event.
public enum SentryEnvelope {
    public static func encode(
        _ event: ErrorEvent, dsn: SentryDSN, release: String, environment: String, eventId: String, at time: Date
    ) throws -> Data {
        let timestamp = time.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
        let body: [String: Any] = [
            "event_id": eventId,
            "timestamp": timestamp,
            "platform": "other",
            "level": "error",
            "logger": "parley",
            "release": release,
            "environment": environment,
            "message": ["formatted": event.message],
            "exception": ["values": [["type": event.kind, "value": event.message]]],
            "tags": event.tags.merging(["kind": event.kind]) { $1 },
            "contexts": ["runtime": ["name": "swift", "version": "6"]],
        ]
        let payload = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        let header = try JSONSerialization.data(withJSONObject: ["event_id": eventId, "dsn": dsn.raw, "sent_at": timestamp], options: [.sortedKeys])
        let item = try JSONSerialization.data(withJSONObject: ["type": "event", "length": payload.count, "content_type": "application/json"], options: [.sortedKeys])
        return header + Data([0x0A]) + item + Data([0x0A]) + payload + Data([0x0A])
    }
}
