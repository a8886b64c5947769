import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InMemoryLogging
import Logging
import Testing

@testable import SwitchyardAdmin

/// Who is asking: the four kinds of caller of the issue's key table.
enum Caller: String, CaseIterable, Sendable {
    case noKey, wrongKey, apiKey, adminKey

    var headers: HTTPFields {
        switch self {
        case .noKey: [:]
        case .wrongKey: [.authorization: "Bearer not-a-key"]
        case .apiKey: [AdminAuth.apiKeyHeader: "api-key-1"]
        case .adminKey: [.authorization: "Bearer admin-key-1"]
        }
    }
}

/// One request per route, each valid for a fresh fake source, with the status it gets when allowed.
struct RouteCase: Sendable, CustomTestStringConvertible {
    let method: HTTPRequest.Method
    let uri: String
    let body: String?
    let access: AdminAccess
    let success: HTTPResponse.Status

    var testDescription: String { "\(method) \(uri)" }

    static let web8081 = "/api/v1/pools/web/targets/http%3A%2F%2F127.0.0.1%3A8081"
    static let all: [RouteCase] = [
        RouteCase(method: .get, uri: "/", body: nil, access: .open, success: .ok),
        RouteCase(method: .get, uri: "/favicon.ico", body: nil, access: .open, success: .noContent),
        RouteCase(method: .get, uri: "/health", body: nil, access: .open, success: .ok),
        RouteCase(method: .get, uri: "/ready", body: nil, access: .open, success: .ok),
        RouteCase(method: .get, uri: "/metrics", body: nil, access: .open, success: .ok),
        RouteCase(method: .get, uri: "/stats", body: nil, access: .apiKey, success: .ok),
        RouteCase(method: .get, uri: "/api/v1/openapi.yaml", body: nil, access: .open, success: .ok),
        RouteCase(method: .get, uri: "/api/v1/config", body: nil, access: .apiKey, success: .ok),
        RouteCase(method: .put, uri: "/api/v1/config", body: "listeners: []\n", access: .apiKey, success: .ok),
        RouteCase(method: .put, uri: "/api/v1/log-level", body: #"{"level":"debug"}"#, access: .apiKey, success: .ok),
        RouteCase(method: .get, uri: "/api/v1/pools", body: nil, access: .apiKey, success: .ok),
        RouteCase(method: .get, uri: "/api/v1/pools/web", body: nil, access: .apiKey, success: .ok),
        RouteCase(method: .get, uri: "/api/v1/pools/web/targets", body: nil, access: .apiKey, success: .ok),
        RouteCase(
            method: .post, uri: "/api/v1/pools/web/targets", body: #"{"url":"http://127.0.0.1:8083"}"#,
            access: .apiKey, success: .created
        ),
        RouteCase(method: .get, uri: web8081, body: nil, access: .apiKey, success: .ok),
        RouteCase(method: .patch, uri: web8081, body: #"{"draining":true}"#, access: .apiKey, success: .ok),
        RouteCase(method: .delete, uri: web8081, body: nil, access: .apiKey, success: .noContent),
        RouteCase(method: .get, uri: "/api/v1/security/keys", body: nil, access: .adminKey, success: .ok),
        RouteCase(
            method: .put, uri: "/api/v1/security/keys", body: #"{"api_keys":["a"],"admin_keys":["b"]}"#,
            access: .adminKey, success: .ok
        ),
    ]

    func expected(for caller: Caller) -> HTTPResponse.Status {
        switch (access, caller) {
        case (.open, _), (_, .adminKey), (.apiKey, .apiKey): success
        case (.adminKey, .apiKey): .forbidden
        case (_, .noKey), (_, .wrongKey): .unauthorized
        }
    }
}

let configuredKeys = AdminKeys(apiKeys: ["api-key-1", "api-key-2"], adminKeys: ["admin-key-1"])

func makeServer(
    _ source: FakeAdminSource, logger: Logger = Logger(label: "admin-test", factory: { _ in SwiftLogNoOpLogHandler() }),
    configuration: AdminServer.Configuration = .init(port: 0)
) -> AdminServer {
    AdminServer(source: source, configuration: configuration, logger: logger)
}

@Suite("Keys: who may call what")
struct AdminAuthTests {
    @Test(
        "every route with no key, a wrong key, an API key and an admin key", arguments: RouteCase.all, Caller.allCases)
    func keyTable(route: RouteCase, caller: Caller) async throws {
        let source = FakeAdminSource(keys: configuredKeys)
        let server = makeServer(source)
        let expected = route.expected(for: caller)
        try await server.makeApplication().test(.router) { client in
            try await client.execute(
                uri: route.uri, method: route.method, headers: caller.headers,
                body: route.body.map { ByteBuffer(string: $0) }
            ) { response in
                #expect(response.status == expected)
                if expected == .unauthorized {
                    #expect(response.headers[.wwwAuthenticate] == #"Bearer realm="switchyard-admin""#)
                    #expect(String(buffer: response.body).contains(#""error":"#))
                }
                if expected == .forbidden {
                    #expect(String(buffer: response.body) == #"{"error":"this operation needs an admin key"}"#)
                }
            }
        }
        let refused = expected == .unauthorized || expected == .forbidden
        #expect(server.authFailures == (refused ? 1 : 0))
    }

    @Test("with no key configured every route is open", arguments: RouteCase.all)
    func openWithoutKeys(route: RouteCase) async throws {
        let server = makeServer(FakeAdminSource())
        try await server.makeApplication().test(.router) { client in
            try await client.execute(
                uri: route.uri, method: route.method, body: route.body.map { ByteBuffer(string: $0) }
            ) { response in
                #expect(response.status == route.success)
            }
        }
        #expect(server.authFailures == 0)
    }

    @Test("a key change applies to the next request")
    func keysReadPerRequest() async throws {
        let source = FakeAdminSource(keys: configuredKeys)
        try await makeServer(source).makeApplication().test(.router) { client in
            try await client.execute(uri: "/stats", method: .get, headers: Caller.apiKey.headers) { response in
                #expect(response.status == .ok)
            }
            source.state.withLock { $0.keys = AdminKeys(apiKeys: ["new"], adminKeys: ["admin-key-1"]) }
            try await client.execute(uri: "/stats", method: .get, headers: Caller.apiKey.headers) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/stats", method: .get, headers: [.authorization: "bearer new"]) {
                #expect($0.status == .ok)
            }
        }
    }

    @Test("a wrong credential next to a right key is refused, not passed over")
    func wrongCredentialBesideARightKey() async throws {
        let source = FakeAdminSource(keys: configuredKeys)
        try await makeServer(source).makeApplication().test(.router) { client in
            let mixed: [HTTPFields] = [
                [.authorization: "Basic YTpi", AdminAuth.apiKeyHeader: "admin-key-1"],
                [.authorization: "Bearer not-a-key", AdminAuth.apiKeyHeader: "admin-key-1"],
                [.authorization: "Bearer admin-key-1", AdminAuth.apiKeyHeader: "not-a-key"],
                [.authorization: "Bearer api-key-1", AdminAuth.apiKeyHeader: "admin-key-1"],
            ]
            for headers in mixed {
                try await client.execute(uri: "/api/v1/security/keys", method: .get, headers: headers) {
                    #expect($0.status == .unauthorized, "\(headers)")
                }
            }
            let same: HTTPFields = [.authorization: "Bearer admin-key-1", AdminAuth.apiKeyHeader: "admin-key-1"]
            try await client.execute(uri: "/api/v1/security/keys", method: .get, headers: same) {
                #expect($0.status == .ok)
            }
        }
    }

    @Test("refusals and changes are logged, never with the key")
    func logging() async throws {
        let logs = InMemoryLogHandler()
        let logger = Logger(label: "admin-test", factory: { _ in logs })
        let source = FakeAdminSource(keys: configuredKeys)
        try await makeServer(source, logger: logger).makeApplication().test(.router) { client in
            try await client.execute(uri: "/stats", method: .get, headers: [.authorization: "Bearer sekrit-guess"]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(
                uri: RouteCase.web8081, method: .patch, headers: Caller.apiKey.headers,
                body: ByteBuffer(string: #"{"enabled":false}"#)
            ) { #expect($0.status == .ok) }
        }
        let entries = logs.entries
        let refused = entries.filter { $0.level == .warning && "\($0.message)" == "admin request refused" }
        #expect(refused.count == 1)
        #expect(refused.first?.metadata["admin.reason"] == "unknownKey")
        let changes = entries.filter { $0.level == .info && "\($0.message)" == "admin change" }
        #expect(changes.count == 1)
        #expect(changes.first?.metadata["admin.status"] == "200")
        #expect(changes.first?.metadata["admin.method"] == "PATCH")
        let everything = entries.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(!everything.contains("sekrit-guess"))
        #expect(!everything.contains("api-key-1"))
    }
}

@Suite("Key parsing and comparison")
struct KeyCheckTests {
    @Test func presentedKey() {
        let apiKey = AdminAuth.apiKeyHeader
        #expect(AdminAuth.presentedKey(in: [.authorization: "Bearer abc"]) == .key("abc"))
        #expect(AdminAuth.presentedKey(in: [.authorization: "bEaReR   abc  "]) == .key("abc"))
        #expect(AdminAuth.presentedKey(in: [apiKey: " abc "]) == .key("abc"))
        #expect(AdminAuth.presentedKey(in: [.authorization: "Bearer abc", apiKey: "abc"]) == .key("abc"))
        #expect(AdminAuth.presentedKey(in: [:]) == PresentedKey.none)
        // Credentials that are no key are refused even next to a good one, never passed over.
        #expect(AdminAuth.presentedKey(in: [.authorization: "Basic YTpi"]) == .unusable)
        #expect(AdminAuth.presentedKey(in: [.authorization: "Basic YTpi", apiKey: "k"]) == .unusable)
        #expect(AdminAuth.presentedKey(in: [.authorization: "Bearer abc", apiKey: "other"]) == .unusable)
        #expect(AdminAuth.presentedKey(in: [.authorization: "Bearer "]) == .unusable)
        #expect(AdminAuth.presentedKey(in: [apiKey: "  "]) == .unusable)
    }

    @Test func constantTimeEqual() {
        func equal(_ a: String, _ b: String) -> Bool {
            AdminAuth.constantTimeEqual(Array(a.utf8), Array(b.utf8)) == 1
        }
        #expect(equal("secret", "secret"))
        #expect(!equal("secret", "secreT"))
        #expect(!equal("secret", "secre"))
        #expect(!equal("secre", "secret"))
        #expect(!equal("secretsecret", "secret"))
        #expect(!equal("", "secret"))
        #expect(!equal("", ""))
        #expect(!equal("x", ""))
    }

    @Test func decisions() {
        let keys = AdminKeys(apiKeys: ["r"], adminKeys: ["w"])
        #expect(AdminAuth.decide(presented: .none, keys: keys, access: .apiKey) == .missingKey)
        #expect(AdminAuth.decide(presented: .unusable, keys: keys, access: .apiKey) == .unknownKey)
        #expect(AdminAuth.decide(presented: .key("x"), keys: keys, access: .apiKey) == .unknownKey)
        #expect(AdminAuth.decide(presented: .key("r"), keys: keys, access: .apiKey) == .allowed)
        #expect(AdminAuth.decide(presented: .key("w"), keys: keys, access: .apiKey) == .allowed)
        #expect(AdminAuth.decide(presented: .key("r"), keys: keys, access: .adminKey) == .needsAdminKey)
        #expect(AdminAuth.decide(presented: .key("w"), keys: keys, access: .adminKey) == .allowed)
        #expect(AdminAuth.decide(presented: .none, keys: AdminKeys(), access: .adminKey) == .allowed)
        #expect(AdminAuth.decide(presented: .none, keys: keys, access: .open) == .allowed)
    }
}
