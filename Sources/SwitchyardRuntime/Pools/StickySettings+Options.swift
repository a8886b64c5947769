import SwitchyardBalancing
import SwitchyardConfig

extension StickySettings {
    /// The balancer's form of a pool's `sticky` block.
    var options: StickyOptions {
        let source: StickyKeySource =
            switch key {
            case .usernameSession: .usernameSession
            case .header(let name): .header(name)
            case .clientIP: .clientAddress
            }
        return StickyOptions(
            key: source, ttl: ttl, maxEntries: maxEntries,
            onTargetDown: onTargetDown == .fail ? .fail : .repick)
    }
}
