/// The rules of a pool's `sticky` block.
extension ConfigValidator {
    /// Checks a pool's `sticky` block (`path` is the pool's), given the listeners that use the pool.
    mutating func check(_ sticky: StickySettings, at path: String, usedBy listeners: [ListenerSettings]) {
        let stickyPath = "\(path).sticky"
        positive(sticky.ttl, at: "\(stickyPath).ttl")
        within(1...StickySettings.maxEntriesLimit, sticky.maxEntries, at: "\(stickyPath).max_entries")
        for listener in listeners {
            switch (sticky.key, listener.mode) {
            case (.usernameSession, .reverse):
                report(
                    "username_session needs proxy logins, which reverse listeners have none of (listener "
                        + "\"\(listener.name)\"); use header:NAME or client_ip", at: "\(stickyPath).key")
            case (.usernameSession, _) where listener.auth == nil:
                report(
                    "username_session needs proxy logins; listener \"\(listener.name)\" has no auth.users",
                    at: "\(stickyPath).key")
            case (.header, .socks5):
                report(
                    "SOCKS5 clients send no headers (listener \"\(listener.name)\"); use username_session or client_ip",
                    at: "\(stickyPath).key")
            default:
                break
            }
        }
    }
}
