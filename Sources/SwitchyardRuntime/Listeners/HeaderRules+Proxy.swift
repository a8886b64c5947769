import SwitchyardConfig
import SwitchyardProxy

extension [HeaderRules] {
    /// The edits of traffic that passes these rules, outermost first (listener, route, pool): requests get them in
    /// that order, responses in the reverse; nil when none edits anything.
    var rewrites: HeaderRewrites? {
        HeaderRewrites.make(
            request: HeaderRewrite(flatMap(\.request.rewriteEdits)),
            response: HeaderRewrite(reversed().flatMap(\.response.rewriteEdits)))
    }
}

extension HeaderEdits {
    /// The edits as the data path runs them: `remove`, then `set`, then `add`.
    fileprivate var rewriteEdits: [HeaderRewrite.Edit] {
        remove.map { .remove($0) } + set.map { .set($0.name, $0.value.renderer) }
            + add.map { .add($0.name, $0.value.renderer) }
    }
}

extension HeaderTemplate {
    /// Renders the template for one request.
    fileprivate var renderer: @Sendable (HeaderValues) -> String {
        let template = self
        return { values in
            template.render { variable in
                switch variable {
                case .clientIP: values.clientIP
                case .requestID: values.requestID
                case .route: values.route
                case .target: values.target
                }
            }
        }
    }
}
