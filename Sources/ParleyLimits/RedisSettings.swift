import Foundation
import ParleyCore

/// Where Redis is: `redis://[:password@]host[:port][/db]` (or `redis://user:password@…` for ACL users).
public struct RedisSettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    public var database: Int
    /// How long connecting, or one command, may take.
    public var timeout: Duration

    public init(host: String, port: Int = 6379, username: String? = nil, password: String? = nil, database: Int = 0,
                timeout: Duration = .milliseconds(500)) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.timeout = timeout
    }

    public init(url string: String) throws {
        guard let components = URLComponents(string: string), components.scheme == "redis",
              let host = components.host, !host.isEmpty else {
            throw ParleyError.invalidValue("redis_url", "the Redis URL must look like redis://[:password@]host[:port][/db]")
        }
        let path = components.path.drop { $0 == "/" }
        guard path.isEmpty || Int(path) != nil else {
            throw ParleyError.invalidValue("redis_url", "the Redis URL's path must be a database number")
        }
        let user = components.percentEncodedUser?.removingPercentEncoding
        self.init(
            host: host, port: components.port ?? 6379, username: user?.isEmpty == false ? user : nil,
            password: components.percentEncodedPassword?.removingPercentEncoding, database: Int(path) ?? 0)
    }
}
