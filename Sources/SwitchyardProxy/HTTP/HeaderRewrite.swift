import NIOHTTP1

/// One direction's header edits for the requests (or responses) of one route or forward listener: the listener's,
/// route's and pool's rules chained in the order they apply, built once per config generation so that a request
/// only runs through the list.
public struct HeaderRewrite: Sendable {
    /// One edit; values are rendered for each request from what it knows (`HeaderValues`).
    public enum Edit: Sendable {
        /// Removes every value of the header.
        case remove(String)
        /// Replaces the header's values with one (adds it when absent).
        case set(String, @Sendable (HeaderValues) -> String)
        /// Adds a value beside those already there.
        case add(String, @Sendable (HeaderValues) -> String)
    }

    public let edits: [Edit]

    public init(_ edits: [Edit] = []) {
        self.edits = edits
    }

    public var isEmpty: Bool { edits.isEmpty }

    func apply(to headers: inout HTTPHeaders, _ values: @autoclosure () -> HeaderValues) {
        guard !edits.isEmpty else { return }
        let values = values()
        for edit in edits {
            switch edit {
            case .remove(let name): headers.remove(name: name)
            case .set(let name, let value): headers.replaceOrAdd(name: name, value: value(values))
            case .add(let name, let value): headers.add(name: name, value: value(values))
            }
        }
    }
}

/// The request and response edits that apply to the traffic of one route or forward listener.
public struct HeaderRewrites: Sendable {
    /// Applied to the request after the built-in headers: the listener's rules, then the route's, then the pool's.
    public let request: HeaderRewrite
    /// Applied to the upstream's response: the pool's rules, then the route's, then the listener's.
    public let response: HeaderRewrite

    public init(request: HeaderRewrite, response: HeaderRewrite) {
        self.request = request
        self.response = response
    }

    /// Nil when neither direction edits anything, so requests carry nothing.
    public static func make(request: HeaderRewrite, response: HeaderRewrite) -> HeaderRewrites? {
        request.isEmpty && response.isEmpty ? nil : HeaderRewrites(request: request, response: response)
    }
}

/// What a header rule's value may use, for one request.
public struct HeaderValues: Sendable {
    /// The client's address; empty when unknown.
    public var clientIP: String
    /// The request's `X-Request-Id`; empty on listeners that assign none.
    public var requestID: String
    /// The reverse route's name (`routes[0]`); empty on forward listeners.
    public var route: String
    /// The chosen target's id.
    public var target: String
}
