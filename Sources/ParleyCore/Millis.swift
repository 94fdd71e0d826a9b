import Foundation

/// Milliseconds since the Unix epoch: the one time unit stored and compared everywhere.
public typealias Millis = Int64

extension Millis {
    /// The current wall-clock time.
    public static func now() -> Millis {
        Millis((Date().timeIntervalSince1970 * 1000).rounded())
    }

    /// The time as an RFC 3339 / ISO 8601 string with milliseconds, in UTC.
    public var iso8601: String {
        Date(timeIntervalSince1970: Double(self) / 1000)
            .formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
