import ArgumentParser
import ParleyAuth
import ParleyCore
import ParleyStore

/// `parley keys create|list|revoke`: manages API keys offline, on the store directly.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage API keys.", subcommands: [Create.self, List.self, Revoke.self])

    static func withKeys<T: Sendable>(_ common: CommonOptions, _ body: @Sendable (KeyService) async throws -> T) async throws -> T {
        try await common.withStore(migrate: false) { store, configuration in
            try await body(KeyService(store: store, defaultRate: configuration.defaultRate))
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key and print its secret once.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Who the key belongs to.") var owner: String
        @Option(help: "Comma-separated scopes: jobs:write, jobs:read, admin.") var scopes = "jobs:write,jobs:read"
        @Option(help: "Requests per minute.") var ratePerMinute: Int?
        @Option(help: "Burst size.") var burst: Int?
        @Option(help: "Audio seconds a day (UTC) the key's jobs may transcribe; unlimited when absent.") var audioSecondsPerDay: Double?
        @Option(help: "Characters of text a day (UTC) the key's jobs may translate; unlimited when absent.") var charactersPerDay: Int?

        func run() async throws {
            let parsed = try Set(scopes.split(separator: ",").map { raw in
                guard let scope = Scope(rawValue: raw.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("unknown scope '\(raw)'")
                }
                return scope
            })
            let key = try await KeysCommand.withKeys(common) { keys in
                var rate = keys.defaultRate
                rate.perMinute = ratePerMinute ?? rate.perMinute
                rate.burst = burst ?? rate.burst
                let quotas = Quotas(audioSecondsPerDay: audioSecondsPerDay, charactersPerDay: charactersPerDay)
                let created = try await keys.create(owner: owner, scopes: parsed, rate: rate, quotas: quotas)
                return "\(created.record.id) \(created.key)"
            }
            print(key)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never their secrets).")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let lines = try await KeysCommand.withKeys(common) { keys in
                try await keys.store.listKeys().map { key in
                    let state = key.revokedAt == nil ? "active" : "revoked"
                    return "\(key.id)\t\(key.prefix)\t\(key.owner)\t\(key.scopes.sorted().map(\.rawValue).joined(separator: ","))\t\(state)"
                }
            }
            print((["id\tprefix\towner\tscopes\tstate"] + lines).joined(separator: "\n"))
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by id or prefix.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The key's id or prefix.") var key: String

        func run() async throws {
            let revoked = try await KeysCommand.withKeys(common) { keys in
                try await keys.store.revokeKey(key, audit: AuditEntry(keyId: nil, action: "key.revoke", target: key))
            }
            guard revoked else { throw ValidationError("no active key '\(key)'") }
            print("revoked \(key)")
        }
    }
}
