import HTTPTypes

/// Which key an admin route needs.
enum AdminAccess: Sendable {
    /// No key: `/`, `/health`, `/ready`, `/metrics`, `/api/v1/openapi.yaml`.
    case open
    /// An API key or an admin key, once any key is configured: `/stats` and `/api/v1/*`.
    case apiKey
    /// An admin key, once any key is configured: `/api/v1/security/keys`.
    case adminKey
}

/// What the key check decided for one request.
enum AuthDecision: Equatable, Sendable {
    case allowed
    /// No key was sent (401).
    case missingKey
    /// A key was sent that matches no configured key, or credentials that are no key (401).
    case unknownKey
    /// An API key was sent where an admin key is needed (403).
    case needsAdminKey
}

/// What a request presents as its key.
enum PresentedKey: Equatable, Sendable {
    /// Neither `Authorization` nor `X-API-Key`.
    case none
    case key(String)
    /// Credentials that cannot stand for one key: an `Authorization` header that is not `Bearer <key>`, an empty
    /// `X-API-Key`, or both headers with different keys. Refused (401) whatever else the request carries, so a wrong
    /// credential is never passed over in favour of a right one next to it.
    case unusable
}

/// The admin key check: reads the key from the request and compares it with every configured key in constant time.
enum AdminAuth {
    /// The key a request presents: `Authorization: Bearer K` (scheme case-insensitive) and/or `X-API-Key: K`; when
    /// both are sent they must carry the same key.
    static func presentedKey(in headers: HTTPFields) -> PresentedKey {
        var bearer: String?
        if let authorization = headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return .unusable }
            bearer = parts[1].trimmingSpaces()
        }
        let header = headers[apiKeyHeader].map { $0[...].trimmingSpaces() }
        switch (bearer, header) {
        case (nil, nil): return .none
        case (let key?, nil), (nil, let key?): return key.isEmpty ? .unusable : .key(key)
        case (let first?, let second?): return first == second && !first.isEmpty ? .key(first) : .unusable
        }
    }

    static let apiKeyHeader = HTTPField.Name("X-API-Key")!

    /// Decides whether `presented` may use a route needing `access`, given the keys in force. With no key configured
    /// every route is open; unusable credentials count as an unknown key. The presented key is compared with every configured key, without stopping at a match,
    /// so the time taken does not tell which key (or which kind) matched.
    static func decide(presented: PresentedKey, keys: AdminKeys, access: AdminAccess) -> AuthDecision {
        if access == .open || keys.isEmpty { return .allowed }
        let bytes: [UInt8]
        switch presented {
        case .none: return .missingKey
        case .unusable: return .unknownKey
        case .key(let key): bytes = Array(key.utf8)
        }
        var isAdmin: UInt8 = 0
        var isAPI: UInt8 = 0
        for key in keys.adminKeys { isAdmin |= constantTimeEqual(bytes, Array(key.utf8)) }
        for key in keys.apiKeys { isAPI |= constantTimeEqual(bytes, Array(key.utf8)) }
        switch access {
        case .open:
            return .allowed
        case .apiKey:
            return isAdmin | isAPI == 1 ? .allowed : .unknownKey
        case .adminKey:
            if isAdmin == 1 { return .allowed }
            return isAPI == 1 ? .needsAdminKey : .unknownKey
        }
    }

    /// 1 when `presented` equals `expected`, else 0. The loop runs over every byte of `presented` (whose length the
    /// caller already knows) whatever the contents and whatever `expected`'s length, so its time reveals neither where
    /// the first difference is nor how long the configured key is. An empty configured key never matches.
    static func constantTimeEqual(_ presented: [UInt8], _ expected: [UInt8]) -> UInt8 {
        var difference: UInt8 = presented.count == expected.count ? 0 : 1
        difference |= expected.isEmpty ? 1 : 0
        let modulus = Swift.max(expected.count, 1)
        for index in presented.indices {
            let other = expected.isEmpty ? 0 : expected[index % modulus]
            difference |= presented[index] ^ other
        }
        return difference == 0 ? 1 : 0
    }
}

extension Substring {
    /// The substring without leading and trailing spaces and tabs (HTTP's optional whitespace).
    fileprivate func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
