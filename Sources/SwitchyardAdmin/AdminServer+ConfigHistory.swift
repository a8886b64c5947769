import Hummingbird

extension AdminServer {
    /// `GET /api/v1/config/history` and `POST /api/v1/config/rollback`.
    func configHistoryRoutes() -> [AdminRoute] {
        [
            AdminRoute(method: .get, path: "/api/v1/config/history", access: .apiKey) { [source] _, _ in
                Response.json(ConfigHistoryJSON(source.configHistory()))
            },
            AdminRoute(method: .post, path: "/api/v1/config/rollback", access: .apiKey) { [self] request, _ in
                let version = try AdminHTTPError.decoding(try await self.body(of: request), with: AdminBody.rollback)
                switch await source.rollbackConfig(to: version, mayChangeKeys: holdsAdminKey(request)) {
                case .applied(let applied, let persisted):
                    return Response.json(ConfigRolledBackJSON(version: ConfigVersionJSON(applied), persisted: persisted))
                case .notFound(let message):
                    throw AdminHTTPError(.notFound, message)
                case .invalid(let problems):
                    throw AdminHTTPError(problems: problems)
                case .keysNeedAdminKey:
                    throw AdminHTTPError(.forbidden, "only an admin key may roll back to other api_keys or admin_keys")
                }
            },
        ]
    }

    /// Whether `request` carries an admin key (or no key is configured at all), which changes of keys need.
    func holdsAdminKey(_ request: Request) -> Bool {
        AdminAuth.decide(
            presented: AdminAuth.presentedKey(in: request.headers), keys: source.apiKeys(), access: .adminKey)
            == .allowed
    }
}

struct ConfigVersionJSON: Encodable {
    let version: Int
    let appliedAt: String
    let cause: String
    let current: Bool
    let config: String

    enum CodingKeys: String, CodingKey {
        case version, cause, current, config
        case appliedAt = "applied_at"
    }

    init(_ version: ConfigVersion) {
        self.version = version.version
        appliedAt = version.appliedAt
        cause = version.cause
        current = version.current
        config = version.yaml
    }
}

struct ConfigHistoryJSON: Encodable {
    let versions: [ConfigVersionJSON]

    init(_ versions: [ConfigVersion]) {
        self.versions = versions.map(ConfigVersionJSON.init)
    }
}

struct ConfigRolledBackJSON: Encodable {
    let version: ConfigVersionJSON
    let persisted: Bool
}

extension AdminBody {
    /// The body of `POST /api/v1/config/rollback`: `{"version": N}`, or no body (or `{}`) for the previous version.
    public static func rollback(from bytes: [UInt8]) throws(Failure) -> Int? {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return nil }
        var fields = Fields(try object(from: bytes), allowed: ["version"])
        let version = fields.integer("version", minimum: 1)
        try fields.finish()
        return version
    }
}
