import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

@testable import SwitchyardAdmin

@Suite("Dashboard, OpenAPI document and the listener")
struct AdminServerTests {
    @Test("the dashboard is served as HTML and loads nothing from other hosts")
    func dashboard() async throws {
        try await withAdmin { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(response.headers[AdminServer.contentSecurityPolicy]?.contains("default-src 'none'") == true)
                let page = String(buffer: response.body)
                #expect(page.hasPrefix("<!doctype html>") || page.hasPrefix("<!DOCTYPE html>"))
                #expect(page.count > 1000)
                #expect(!page.lowercased().contains("http://"))
                #expect(!page.lowercased().contains("https://"))
                #expect(!page.contains("//cdn"))
            }
        }
    }

    @Test("the OpenAPI document is served as YAML, unchanged")
    func openAPI() async throws {
        try await withAdmin { client in
            try await client.execute(uri: "/api/v1/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/yaml; charset=utf-8")
                #expect(Array(response.body.readableBytesView) == PackageResources.openapi_yaml)
                #expect(String(buffer: response.body).hasPrefix("openapi: 3."))
            }
        }
    }

    @Test("a method a path does not take is 405 with Allow; an unknown path is 404; both JSON, no key needed")
    func unroutedRequests() async throws {
        try await withAdmin(FakeAdminSource(keys: configuredKeys)) { client in
            let cases: [(String, HTTPRequest.Method, String)] = [
                ("/health", .delete, "GET"),
                ("/api/v1/config", .post, "GET, PUT"),
                ("/api/v1/pools/web/targets/http%3A%2F%2F127.0.0.1%3A8081", .put, "GET, PATCH, DELETE"),
                ("/api/v1/pools/web/targets", .head, "GET, POST"),
            ]
            for (uri, method, allow) in cases {
                try await client.execute(uri: uri, method: method) { response in
                    #expect(response.status == .methodNotAllowed, "\(method) \(uri)")
                    #expect(response.headers[.allow] == allow)
                    #expect(response.headers[.contentType] == "application/json")
                }
            }
            for uri in ["/nope", "/api/v1/pools/web/targets/x/y", "/api/v2/config"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .notFound, "\(uri)")
                    #expect(response.headers[.contentType] == "application/json")
                    #expect(String(buffer: response.body).hasPrefix(#"{"error":"no such path"#))
                }
            }
        }
    }

    @Test("every route is in the OpenAPI document with its key requirement, and nothing more")
    func routesMatchOpenAPI() throws {
        let document = String(decoding: PackageResources.openapi_yaml, as: UTF8.self)
        var documented: [String: Bool] = [:]  // "METHOD path" -> needs a key
        var path = ""
        var operation: String?
        var inPaths = false
        for line in document.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" {
                inPaths = true
                continue
            }
            if inPaths, !line.isEmpty, !line.hasPrefix(" ") { break }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                let method = line.trimmingPrefix("    ").dropLast()
                operation =
                    ["get", "put", "post", "patch", "delete"].contains(String(method))
                    ? "\(method.uppercased()) \(path)" : nil
                if let operation { documented[operation] = true }
            } else if let operation, line == "      security: []" {
                documented[operation] = false
            }
        }
        let server = makeServer(FakeAdminSource())
        var served: [String: Bool] = [:]
        for route in server.routes() { served["\(route.method) \(route.path)"] = route.access != .open }
        #expect(served == documented)
    }

    @Test("run() binds port 0, reports the port, serves, and stops when cancelled")
    func runAndCancel() async throws {
        let source = FakeAdminSource(keys: configuredKeys)
        let reported = Mutex<Int?>(nil)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = AdminServer(
            source: source, configuration: .init(host: "127.0.0.1", port: 0),
            logger: Logger(label: "admin-test", factory: { _ in SwiftLogNoOpLogHandler() }),
            onServerRunning: { port in
                reported.withLock { $0 = port }
                continuation.yield(port)
            }
        )
        #expect(server.boundPort == nil)
        let task = Task { try await server.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        #expect(port > 0)
        #expect(server.boundPort == port)

        let client = TestClient(host: "127.0.0.1", port: port)
        client.connect()
        let health = try await client.execute(.init("/health", method: .get, headers: [:]))
        #expect(health.status == .ok)
        let encoded = try await client.execute(
            .init(
                "/api/v1/pools/web/targets/http%3A%2F%2F127.0.0.1%3A8081", method: .get, headers: Caller.apiKey.headers)
        )
        #expect(encoded.status == .ok)
        #expect(String(buffer: encoded.body ?? ByteBuffer()).contains(#""id":"http://127.0.0.1:8081""#))
        let refused = try await client.execute(.init("/stats", method: .get, headers: [:]))
        #expect(refused.status == .unauthorized)
        try await client.shutdown()

        task.cancel()
        _ = await task.result
        #expect(server.boundPort == nil)
        #expect(server.authFailures == 1)
    }
}
