import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// One admin route: method, path (Hummingbird syntax, as in the OpenAPI document), the key it needs, and its handler.
struct AdminRoute: Sendable {
    let method: HTTPRequest.Method
    let path: String
    let access: AdminAccess
    let handler: @Sendable (Request, AdminRequestContext) async throws -> Response
}

extension AdminServer {
    /// Every route the server answers, in the order of Resources/openapi.yaml.
    func routes() -> [AdminRoute] {
        let pool = "/api/v1/pools/{pool}"
        let target = "/api/v1/pools/{pool}/targets/{id}"
        return [
            AdminRoute(method: .get, path: "/", access: .open) { _, _ in
                let policy: HTTPFields = [AdminServer.contentSecurityPolicy: AdminServer.dashboardPolicy]
                return Response.bytes(
                    PackageResources.dashboard_html, contentType: "text/html; charset=utf-8", extra: policy
                )
            },
            // Browsers ask for it; an answer keeps a 404 out of the dashboard's console.
            AdminRoute(method: .get, path: "/favicon.ico", access: .open) { _, _ in Response(status: .noContent) },
            AdminRoute(method: .get, path: "/health", access: .open) { _, _ in
                Response.text("ok\n", contentType: "text/plain; charset=utf-8")
            },
            AdminRoute(method: .get, path: "/ready", access: .open) { [source] _, _ in
                let readiness = source.readiness()
                return Response.json(
                    ReadinessJSON(ready: readiness.ready, reasons: readiness.reasons),
                    status: readiness.ready ? .ok : .serviceUnavailable
                )
            },
            AdminRoute(method: .get, path: "/metrics", access: .open) { [source] _, _ in
                Response.text(source.metricsText(), contentType: "text/plain; version=0.0.4; charset=utf-8")
            },
            AdminRoute(method: .get, path: "/stats", access: .apiKey) { [source] _, _ in
                Response.text(source.statsJSON(), contentType: "application/json")
            },
            AdminRoute(method: .get, path: "/api/v1/openapi.yaml", access: .open) { _, _ in
                Response.bytes(PackageResources.openapi_yaml, contentType: "application/yaml; charset=utf-8")
            },
            AdminRoute(method: .get, path: "/api/v1/config", access: .apiKey) { [source] _, _ in
                Response.text(source.configYAML(), contentType: "application/yaml; charset=utf-8")
            },
            AdminRoute(method: .put, path: "/api/v1/config", access: .apiKey) { [self] request, _ in
                let body = try await self.body(of: request)
                guard let yaml = String(validating: body, as: UTF8.self) else {
                    throw AdminHTTPError(.badRequest, "the body is not UTF-8 text")
                }
                switch await source.applyConfig(yaml: yaml, mayChangeKeys: holdsAdminKey(request)) {
                case .applied(let persisted):
                    return Response.json(ConfigAppliedJSON(applied: true, persisted: persisted))
                case .invalid(let problems):
                    throw AdminHTTPError(problems: problems)
                case .keysNeedAdminKey:
                    throw AdminHTTPError(.forbidden, "only an admin key may change api_keys or admin_keys")
                }
            },
            AdminRoute(method: .put, path: "/api/v1/log-level", access: .apiKey) { [self] request, _ in
                let level = try AdminHTTPError.decoding(try await self.body(of: request), with: AdminBody.logLevel)
                guard source.setLogLevel(level) else {
                    throw AdminHTTPError(problems: [ConfigProblem(path: "level", line: nil, message: "unknown level")])
                }
                return Response.json(LogLevelJSON(level: level))
            },
            AdminRoute(method: .get, path: "/api/v1/pools", access: .apiKey) { [source] _, _ in
                Response.json(source.pools().map(PoolJSON.init))
            },
            AdminRoute(method: .get, path: pool, access: .apiKey) { [self] _, context in
                Response.json(PoolJSON(try self.pool(named: try Self.parameter("pool", context))))
            },
            AdminRoute(method: .get, path: pool + "/targets", access: .apiKey) { [self] _, context in
                Response.json(try self.pool(named: try Self.parameter("pool", context)).targets.map(TargetJSON.init))
            },
            AdminRoute(method: .post, path: pool + "/targets", access: .apiKey) { [self] request, context in
                let poolName = try Self.parameter("pool", context)
                let spec = try AdminHTTPError.decoding(try await self.body(of: request), with: AdminBody.targetSpec)
                let added = try await AdminHTTPError.mapping(pool: poolName) { () throws(AdminError) in
                    try await source.addTarget(spec, toPool: poolName)
                }
                let location = "/api/v1/pools/\(PathSegment.encode(poolName))/targets/\(PathSegment.encode(added.id))"
                return Response.json(TargetJSON(added), status: .created, extra: [.location: location])
            },
            AdminRoute(method: .get, path: pool + "/sticky", access: .apiKey) { [source] _, context in
                let poolName = try Self.parameter("pool", context)
                let sticky = try await AdminHTTPError.mapping(pool: poolName) { () throws(AdminError) in
                    try source.stickySessions(ofPool: poolName, limit: AdminServer.stickyPinsShown)
                }
                guard let sticky else { throw AdminHTTPError(.notFound, "pool \(poolName) has no sticky sessions") }
                return Response.json(StickyJSON(pool: poolName, sticky))
            },
            AdminRoute(method: .get, path: target, access: .apiKey) { [self] _, context in
                let poolName = try Self.parameter("pool", context)
                let id = try Self.parameter("id", context)
                guard let found = try self.pool(named: poolName).targets.first(where: { $0.id == id }) else {
                    throw AdminHTTPError(.notFound, "pool \(poolName) has no target \(id)")
                }
                return Response.json(TargetJSON(found))
            },
            AdminRoute(method: .patch, path: target, access: .apiKey) { [self] request, context in
                let poolName = try Self.parameter("pool", context)
                let id = try Self.parameter("id", context)
                let patch = try AdminHTTPError.decoding(try await self.body(of: request), with: AdminBody.targetPatch)
                let changed = try await AdminHTTPError.mapping(pool: poolName) { () throws(AdminError) in
                    try await source.updateTarget(id, inPool: poolName, with: patch)
                }
                return Response.json(TargetJSON(changed))
            },
            AdminRoute(method: .delete, path: target, access: .apiKey) { [source] _, context in
                let poolName = try Self.parameter("pool", context)
                let id = try Self.parameter("id", context)
                try await AdminHTTPError.mapping(pool: poolName) { () throws(AdminError) in
                    try await source.removeTarget(id, fromPool: poolName)
                }
                return Response(status: .noContent)
            },
            AdminRoute(method: .get, path: "/api/v1/security/keys", access: .adminKey) { [source] _, _ in
                Response.json(KeySummaryJSON(source.apiKeys()))
            },
            AdminRoute(method: .put, path: "/api/v1/security/keys", access: .adminKey) { [self] request, _ in
                let keys = try AdminHTTPError.decoding(try await self.body(of: request), with: AdminBody.keys)
                try await AdminHTTPError.mapping(pool: "") { () throws(AdminError) in
                    try await source.setAPIKeys(keys)
                }
                return Response.json(KeySummaryJSON(source.apiKeys()))
            },
        ] + configHistoryRoutes() + rolloutRoutes() + triggerRoutes()
    }

    /// The router over `routes()`, each handler wrapped in the key check and the change log; requests no route
    /// takes get 405 or 404 from `UnroutedRequestResponder`.
    func makeRouter() -> Router<AdminRequestContext> {
        let router = Router(context: AdminRequestContext.self)
        let routes = routes()
        for route in routes {
            router.on(RouterPath(route.path), method: route.method) { [self] request, context in
                try await respond(to: request, context: context, route: route)
            }
        }
        router.add(middleware: UnroutedRequestResponder<AdminRequestContext>(routes: routes))
        return router
    }

    private func respond(to request: Request, context: AdminRequestContext, route: AdminRoute) async throws -> Response
    {
        if route.access != .open {
            let decision = AdminAuth.decide(
                presented: AdminAuth.presentedKey(in: request.headers),
                keys: source.apiKeys(),
                access: route.access
            )
            if decision != .allowed {
                recordAuthFailure()
                logger.warning(
                    "admin request refused",
                    metadata: [
                        "admin.method": "\(request.method)",
                        "admin.path": "\(request.uri.path)",
                        "admin.reason": "\(decision)",
                        "admin.peer": "\(context.remoteAddress.map { "\($0)" } ?? "unknown")",
                    ]
                )
                return AdminHTTPError.refusal(decision).response
            }
        }
        let response: Response
        do {
            response = try await route.handler(request, context)
        } catch let error as AdminHTTPError {
            response = error.response
        }
        if route.method != .get && route.method != .head {
            logger.info(
                "admin change",
                metadata: [
                    "admin.method": "\(request.method)",
                    "admin.path": "\(request.uri.path)",
                    "admin.status": "\(response.status.code)",
                ]
            )
        }
        return response
    }

    /// A path parameter, percent-decoded (the router hands over raw segments).
    static func parameter(_ name: String, _ context: AdminRequestContext) throws(AdminHTTPError) -> String {
        guard let raw = context.parameters.get(name), let decoded = PathSegment.decode(raw) else {
            throw AdminHTTPError(.badRequest, "the \(name) in the path is not a valid percent-encoded segment")
        }
        return decoded
    }

    func pool(named name: String) throws(AdminHTTPError) -> PoolInfo {
        guard let pool = source.pools().first(where: { $0.name == name }) else {
            throw AdminHTTPError(.notFound, "no pool \(name)")
        }
        return pool
    }

    /// The request body, up to `configuration.maxBodyBytes` (413 beyond).
    func body(of request: Request) async throws(AdminHTTPError) -> [UInt8] {
        do {
            let buffer = try await request.body.collect(upTo: configuration.maxBodyBytes)
            return Array(buffer.readableBytesView)
        } catch {
            throw AdminHTTPError(.contentTooLarge, "the body is larger than \(configuration.maxBodyBytes) bytes")
        }
    }

    /// The most pins `GET /api/v1/pools/{pool}/sticky` lists (the most recently used); `count` gives them all.
    static let stickyPinsShown = 1000

    static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!
    /// The dashboard is one self-contained page: its own inline script and style, requests to this origin only.
    static let dashboardPolicy =
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
        + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

/// A finished error answer: JSON `{"error": ...}` or `{"errors": [...]}` with its status.
struct AdminHTTPError: Error {
    let response: Response

    init(_ status: HTTPResponse.Status, _ message: String, extra: HTTPFields = [:]) {
        response = Response.json(ErrorJSON(error: message), status: status, extra: extra)
    }

    /// 422 listing every problem.
    init(problems: [ConfigProblem]) {
        response = Response.json(ProblemsJSON(problems), status: .unprocessableContent)
    }

    static func refusal(_ decision: AuthDecision) -> AdminHTTPError {
        switch decision {
        case .needsAdminKey:
            AdminHTTPError(.forbidden, "this operation needs an admin key")
        case .missingKey, .unknownKey, .allowed:
            AdminHTTPError(
                .unauthorized, "missing or invalid API key",
                extra: [.wwwAuthenticate: "Bearer realm=\"switchyard-admin\""]
            )
        }
    }

    /// Reads `body` with `read`, turning a refused body into 400 (not JSON) or 422 (wrong shape).
    static func decoding<T>(
        _ body: [UInt8], with read: ([UInt8]) throws(AdminBody.Failure) -> T
    ) throws(AdminHTTPError) -> T {
        do {
            return try read(body)
        } catch {
            switch error {
            case .malformed(let message): throw AdminHTTPError(.badRequest, message)
            case .invalid(let problems): throw AdminHTTPError(problems: problems)
            }
        }
    }

    /// Runs `body`, turning the source's refusal into 404, 409 or 422.
    @discardableResult
    static func mapping<T>(pool: String, _ body: () async throws(AdminError) -> T) async throws(AdminHTTPError) -> T {
        do {
            return try await body()
        } catch {
            switch error {
            case .poolNotFound(let name): throw AdminHTTPError(.notFound, "no pool \(name)")
            case .targetNotFound(let id): throw AdminHTTPError(.notFound, "pool \(pool) has no target \(id)")
            case .targetExists(let id): throw AdminHTTPError(.conflict, "pool \(pool) already has target \(id)")
            case .lastTarget(let id):
                throw AdminHTTPError(
                    .conflict, "\(id) is the only target of pool \(pool): add another before removing it")
            case .invalid(let problems): throw AdminHTTPError(problems: problems)
            }
        }
    }
}

extension Response {
    static func text(_ text: String, contentType: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }

    static func bytes(_ bytes: [UInt8], contentType: String, extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: contentType]
        headers.append(contentsOf: extra)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, extra: HTTPFields = [:]) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data
        var status = status
        do {
            data = try encoder.encode(value)
        } catch {
            status = .internalServerError
            data = Data(#"{"error":"the answer could not be encoded"}"#.utf8)
        }
        var headers: HTTPFields = [.contentType: "application/json"]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
