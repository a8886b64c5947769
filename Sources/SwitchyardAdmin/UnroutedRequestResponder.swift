import HTTPTypes
import Hummingbird

/// The answer to a request no route takes, in the API's own error shape: `405 Method Not Allowed` with an `Allow`
/// header when the path is an admin route that takes other methods (RFC 9110 §15.5.6), else `404` with a JSON body.
///
/// Added to the router after every route, so it wraps only Hummingbird's not-found responder (which answers a bare
/// 404 with no body and no content type, whatever the path); requests that reach a route never pass through it.
/// Neither answer needs a key: both say only what the public OpenAPI document already says.
struct UnroutedRequestResponder<Context: RequestContext>: RouterMiddleware {
    /// Each route's path, split into segments (`{name}` matches any one segment), with the methods it takes.
    private let methodsByPath: [(segments: [Substring], methods: [HTTPRequest.Method])]

    init(routes: [AdminRoute]) {
        var table: [(segments: [Substring], methods: [HTTPRequest.Method])] = []
        for route in routes {
            let segments = Self.segments(of: route.path)
            if let index = table.firstIndex(where: { $0.segments == segments }) {
                table[index].methods.append(route.method)
            } else {
                table.append((segments, [route.method]))
            }
        }
        methodsByPath = table
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let methods = allowedMethods(forPath: request.uri.path)
        guard !methods.isEmpty else {
            return AdminHTTPError(.notFound, "no such path: \(request.uri.path)").response
        }
        let allow = methods.map(\.rawValue).joined(separator: ", ")
        return AdminHTTPError(
            .methodNotAllowed, "\(request.method) is not allowed here; allowed: \(allow)", extra: [.allow: allow]
        ).response
    }

    /// The methods the route at `path` (raw, percent-encoded) takes; empty when no route has this path.
    func allowedMethods(forPath path: String) -> [HTTPRequest.Method] {
        let requested = Self.segments(of: path)
        return methodsByPath.first { entry in
            entry.segments.count == requested.count
                && zip(entry.segments, requested).allSatisfy { template, segment in
                    template.first == "{" || template == segment
                }
        }?.methods ?? []
    }

    private static func segments(of path: String) -> [Substring] {
        path.split(separator: "/")
    }
}
