/// The headers a listener, route or pool removes, sets and adds on the requests it forwards and on the responses it
/// passes back, after the built-in ones (`X-Forwarded-*`, `X-Request-Id`, `Host`, hop-by-hop removal).
public struct HeaderRules: Sendable, Equatable {
    public var request: HeaderEdits
    public var response: HeaderEdits

    public init(request: HeaderEdits = HeaderEdits(), response: HeaderEdits = HeaderEdits()) {
        self.request = request
        self.response = response
    }

    /// No edits in either direction.
    public var isEmpty: Bool { request.isEmpty && response.isEmpty }
}

/// One direction's header edits, applied in this order: `remove`, then `set`, then `add`.
public struct HeaderEdits: Sendable, Equatable {
    /// Names whose every value is removed.
    public var remove: [String]
    /// Headers whose values are replaced by one (added when absent).
    public var set: [TemplatedHeader]
    /// Headers added beside the values already there.
    public var add: [TemplatedHeader]

    public init(remove: [String] = [], set: [TemplatedHeader] = [], add: [TemplatedHeader] = []) {
        self.remove = remove
        self.set = set
        self.add = add
    }

    public var isEmpty: Bool { remove.isEmpty && set.isEmpty && add.isEmpty }

    /// Headers that frame the message or belong to one connection (or, on requests, choose the virtual host: see
    /// `host_header`): a rule changing one could desynchronise the proxy and its peer, so none may name them.
    public static let protectedNames: Set<String> = [
        "content-length", "transfer-encoding", "connection", "keep-alive", "proxy-connection", "te", "trailer",
        "upgrade", "host",
    ]
}

/// A header name and its value template.
public struct TemplatedHeader: Sendable, Equatable {
    public var name: String
    public var value: HeaderTemplate

    public init(name: String, value: HeaderTemplate) {
        self.name = name
        self.value = value
    }
}

/// A header value with variables in braces, parsed once when the config loads: `{client_ip}`, `{request_id}`,
/// `{route}` (the reverse route's name, such as `routes[0]`; empty on forward listeners), `{target}` (the chosen
/// target's id). `{{` and `}}` stand for literal braces.
public struct HeaderTemplate: Sendable, Equatable, CustomStringConvertible {
    /// What a variable stands for in one request.
    public enum Variable: String, CaseIterable, Sendable {
        case clientIP = "client_ip"
        case requestID = "request_id"
        case route
        case target
    }

    /// Literal text or a variable, in order.
    public enum Part: Sendable, Equatable {
        case text(String)
        case variable(Variable)
    }

    public let parts: [Part]
    /// The template as written.
    public let description: String

    /// Parses `text`; throws on an unknown variable, an unclosed or stray brace, or a control character (which no
    /// header value may hold).
    public init(parsing text: String) throws(HeaderTemplateError) {
        if let control = text.unicodeScalars.first(where: { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }) {
            throw HeaderTemplateError("must not contain control characters (found U+\(Self.hex(control.value)))")
        }
        var parts: [Part] = []
        var literal = ""
        var rest = text[...]
        while let brace = rest.firstIndex(where: { $0 == "{" || $0 == "}" }) {
            literal += rest[..<brace]
            let after = rest.index(after: brace)
            if after < rest.endIndex, rest[after] == rest[brace] {
                literal.append(rest[brace])
                rest = rest[rest.index(after: after)...]
                continue
            }
            guard rest[brace] == "{" else { throw HeaderTemplateError("has a \"}\" with no \"{\" (write \"}}\")") }
            guard let close = rest[after...].firstIndex(of: "}") else {
                throw HeaderTemplateError("has a \"{\" with no \"}\" (write \"{{\" for a brace)")
            }
            let name = String(rest[after..<close])
            guard let variable = Variable(rawValue: name) else {
                let known = Variable.allCases.map { "{\($0.rawValue)}" }.joined(separator: ", ")
                throw HeaderTemplateError("uses unknown variable {\(name)}; known: \(known)")
            }
            if !literal.isEmpty { parts.append(.text(literal)) }
            literal = ""
            parts.append(.variable(variable))
            rest = rest[rest.index(after: close)...]
        }
        literal += rest
        if !literal.isEmpty { parts.append(.text(literal)) }
        self.parts = parts
        self.description = text
    }

    /// The value for one request, each variable replaced by `value(of:)`.
    public func render(_ value: (Variable) -> String) -> String {
        if parts.count == 1, case .text(let text) = parts[0] { return text }
        var rendered = ""
        for part in parts {
            switch part {
            case .text(let text): rendered += text
            case .variable(let variable): rendered += value(variable)
            }
        }
        return rendered
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

/// Why a header value template was refused.
public struct HeaderTemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
