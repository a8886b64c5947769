import Foundation

// The JSON shapes of the admin API (components/schemas of Resources/openapi.yaml), kept apart from the contract types
// in AdminSource.swift so that the wire names (snake_case) and the Swift names can each be what suits them.

struct TargetJSON: Encodable {
    let id: String
    let weight: Int
    let maxConnections: Int
    let enabled: Bool
    let draining: Bool
    let activeConnections: Int
    let health: String
    let healthCause: String
    let circuit: String

    enum CodingKeys: String, CodingKey {
        case id, weight, enabled, draining, health, circuit
        case maxConnections = "max_connections"
        case activeConnections = "active_connections"
        case healthCause = "health_cause"
    }

    init(_ target: TargetInfo) {
        id = target.id
        weight = target.weight
        maxConnections = target.maxConnections
        enabled = target.enabled
        draining = target.draining
        activeConnections = target.activeConnections
        health = target.health
        healthCause = target.healthCause
        circuit = target.circuit
    }
}

struct PoolJSON: Encodable {
    let name: String
    let policy: String
    let targets: [TargetJSON]
    let auto: AutoPolicyJSON?

    init(_ pool: PoolInfo) {
        name = pool.name
        policy = pool.policy
        targets = pool.targets.map(TargetJSON.init)
        auto = pool.auto.map(AutoPolicyJSON.init)
    }
}

struct AutoPolicyJSON: Encodable {
    struct Switch: Encodable {
        let secondsAgo: Double
        let from: String
        let to: String
        let reason: String

        enum CodingKeys: String, CodingKey {
            case from, to, reason
            case secondsAgo = "seconds_ago"
        }
    }

    let active: String
    let activeSeconds: Double
    let latencySpread: Double?
    let connectionsPerTarget: Double?
    let pending: String?
    let pendingSeconds: Double?
    let switches: [Switch]

    enum CodingKeys: String, CodingKey {
        case active, pending, switches
        case activeSeconds = "active_seconds"
        case latencySpread = "latency_spread"
        case connectionsPerTarget = "connections_per_target"
        case pendingSeconds = "pending_seconds"
    }

    init(_ auto: AutoPolicyInfo) {
        active = auto.active
        activeSeconds = auto.activeSeconds
        latencySpread = auto.latencySpread
        connectionsPerTarget = auto.connectionsPerTarget
        pending = auto.pending
        pendingSeconds = auto.pendingSeconds
        switches = auto.switches.map {
            Switch(secondsAgo: $0.secondsAgo, from: $0.from, to: $0.to, reason: $0.reason)
        }
    }
}

struct StickyJSON: Encodable {
    struct Pin: Encodable {
        let key: String
        let target: String
        let idleSeconds: Double

        enum CodingKeys: String, CodingKey {
            case key, target
            case idleSeconds = "idle_seconds"
        }
    }

    let pool: String
    let key: String
    let ttlSeconds: Double
    let maxEntries: Int
    let onTargetDown: String
    let count: Int
    let entries: [Pin]

    enum CodingKeys: String, CodingKey {
        case pool, key, count, entries
        case ttlSeconds = "ttl_seconds"
        case maxEntries = "max_entries"
        case onTargetDown = "on_target_down"
    }

    init(pool: String, _ sticky: StickyInfo) {
        self.pool = pool
        key = sticky.key
        ttlSeconds = sticky.ttlSeconds
        maxEntries = sticky.maxEntries
        onTargetDown = sticky.onTargetDown
        count = sticky.count
        entries = sticky.pins.map { Pin(key: $0.key, target: $0.target, idleSeconds: $0.idleSeconds) }
    }
}

struct ReadinessJSON: Encodable {
    let ready: Bool
    let reasons: [String]
}

struct ErrorJSON: Encodable {
    let error: String
}

struct ProblemsJSON: Encodable {
    struct Problem: Encodable {
        let path: String
        let line: Int?
        let message: String
    }

    let errors: [Problem]

    init(_ problems: [ConfigProblem]) {
        errors = problems.map { Problem(path: $0.path, line: $0.line, message: $0.message) }
    }
}

struct ConfigAppliedJSON: Encodable {
    let applied: Bool
    let persisted: Bool
}

struct LogLevelJSON: Encodable {
    let level: String
}

/// Counts and fingerprints of the keys in force, never the keys.
struct KeySummaryJSON: Encodable {
    struct KeyList: Encodable {
        let count: Int
        let fingerprints: [String]

        init(_ keys: [String]) {
            count = keys.count
            fingerprints = keys.map(KeyFingerprint.of)
        }
    }

    let apiKeys: KeyList
    let adminKeys: KeyList

    enum CodingKeys: String, CodingKey {
        case apiKeys = "api_keys"
        case adminKeys = "admin_keys"
    }

    init(_ keys: AdminKeys) {
        apiKeys = KeyList(keys.apiKeys)
        adminKeys = KeyList(keys.adminKeys)
    }
}

/// Any JSON value, to read request bodies field by field: unknown fields and wrong types become problems listed all
/// at once, which a synthesized `Decodable` (stopping at the first error, ignoring unknown keys) cannot give.
enum JSONValue: Decodable, Equatable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// The JSON type's name, for messages.
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Reads a JSON request body into the values the source takes, listing every problem. Public for the fuzz target
/// in `Fuzz/`, which feeds it arbitrary bytes as the routes do.
public enum AdminBody {
    /// Why a body was refused: `malformed` is not JSON at all (400); `invalid` is JSON of the wrong shape (422).
    public enum Failure: Error, Equatable {
        case malformed(String)
        case invalid([ConfigProblem])
    }

    /// The top-level object of a JSON body.
    static func object(from bytes: [UInt8]) throws(Failure) -> [String: JSONValue] {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw .malformed("the body is not valid JSON")
        }
        guard case .object(let object) = value else {
            throw .invalid([
                ConfigProblem(path: "", line: nil, message: "expected a JSON object, got \(value.typeName)")
            ])
        }
        return object
    }

    /// The body of `POST /api/v1/pools/{pool}/targets`: a new target.
    public static func targetSpec(from bytes: [UInt8]) throws(Failure) -> TargetSpec {
        var fields = Fields(try object(from: bytes), allowed: ["url", "source_ip", "weight", "max_connections"])
        let spec = targetSpec(&fields)
        try fields.finish()
        return spec
    }

    /// A new target from the fields of one JSON object, its problems left in `fields`.
    static func targetSpec(_ fields: inout Fields) -> TargetSpec {
        let spec = TargetSpec(
            url: fields.string("url"),
            sourceIP: fields.string("source_ip"),
            weight: fields.integer("weight", minimum: 0),
            maxConnections: fields.integer("max_connections", minimum: 1)
        )
        let hasURL = fields.object["url"] != nil
        let hasSourceIP = fields.object["source_ip"] != nil
        if hasURL == hasSourceIP {
            fields.problem("", "exactly one of url (backend pools) and source_ip (egress pools) is required")
        }
        for name in ["url", "source_ip"] where fields.string(name, report: false)?.isEmpty == true {
            fields.problem(name, "must not be empty")
        }
        return spec
    }

    /// The body of `PATCH /api/v1/pools/{pool}/targets/{id}`: a target's new weight or state.
    public static func targetPatch(from bytes: [UInt8]) throws(Failure) -> TargetPatch {
        var fields = Fields(try object(from: bytes), allowed: ["weight", "enabled", "draining"])
        let patch = TargetPatch(
            weight: fields.integer("weight", minimum: 0),
            enabled: fields.bool("enabled"),
            draining: fields.bool("draining")
        )
        if fields.object.isEmpty {
            fields.problem("", "at least one of weight, enabled and draining is required")
        }
        try fields.finish()
        return patch
    }

    /// The log levels of swift-log, in order.
    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// The body of `PUT /api/v1/log-level`.
    public static func logLevel(from bytes: [UInt8]) throws(Failure) -> String {
        var fields = Fields(try object(from: bytes), allowed: ["level"])
        let level = fields.string("level", required: true)
        if let level, !logLevels.contains(level) {
            fields.problem("level", "unknown level \"\(level)\"; one of \(logLevels.joined(separator: ", "))")
        }
        try fields.finish()
        return level ?? ""
    }

    /// The body of `PUT /api/v1/security/keys`: the new API and admin keys.
    public static func keys(from bytes: [UInt8]) throws(Failure) -> AdminKeys {
        var fields = Fields(try object(from: bytes), allowed: ["api_keys", "admin_keys"])
        let apiKeys = fields.keyList("api_keys")
        let adminKeys = fields.keyList("admin_keys")
        if let adminKeys, adminKeys.isEmpty {
            fields.problem("admin_keys", "at least one admin key is required, so the admin API cannot lock itself out")
        }
        try fields.finish()
        return AdminKeys(apiKeys: apiKeys ?? [], adminKeys: adminKeys ?? [])
    }

    /// The fields of one JSON object, read by name; problems accumulate until `finish()`.
    struct Fields {
        let object: [String: JSONValue]
        private(set) var problems: [ConfigProblem] = []

        init(_ object: [String: JSONValue], allowed: Set<String>) {
            self.object = object
            for name in object.keys.sorted() where !allowed.contains(name) {
                problem(name, "unknown field")
            }
        }

        mutating func problem(_ path: String, _ message: String) {
            problems.append(ConfigProblem(path: path, line: nil, message: message))
        }

        mutating func string(_ name: String, required: Bool = false, report: Bool = true) -> String? {
            switch object[name] {
            case nil:
                if required && report { problem(name, "is required") }
                return nil
            case .string(let value):
                return value
            case let other?:
                if report { problem(name, "expected a string, got \(other.typeName)") }
                return nil
            }
        }

        mutating func integer(_ name: String, minimum: Int) -> Int? {
            switch object[name] {
            case nil:
                return nil
            case .integer(let value) where value >= minimum:
                return value
            case .integer(let value):
                problem(name, "\(value) is below the minimum \(minimum)")
                return nil
            case let other?:
                problem(name, "expected an integer, got \(other.typeName)")
                return nil
            }
        }

        mutating func bool(_ name: String) -> Bool? {
            switch object[name] {
            case nil:
                return nil
            case .bool(let value):
                return value
            case let other?:
                problem(name, "expected a boolean, got \(other.typeName)")
                return nil
            }
        }

        /// A required array of non-empty strings.
        mutating func keyList(_ name: String) -> [String]? {
            guard let value = object[name] else {
                problem(name, "is required")
                return nil
            }
            guard case .array(let items) = value else {
                problem(name, "expected an array of strings, got \(value.typeName)")
                return nil
            }
            var keys: [String] = []
            for (index, item) in items.enumerated() {
                if case .string(let key) = item, !key.isEmpty {
                    keys.append(key)
                } else {
                    problem("\(name)[\(index)]", "expected a non-empty string")
                }
            }
            return keys.count == items.count ? keys : nil
        }

        func finish() throws(Failure) {
            if !problems.isEmpty { throw .invalid(problems) }
        }
    }
}
