import NIOCore
import SwitchyardConfig
import SwitchyardProxy

extension PoolTargetAddress {
    /// Where a configured target is, for the data path; its upstream URL parsed (validation has checked it).
    init(_ target: TargetSettings) {
        let upstream = target.upstream.flatMap { try? UpstreamProxyURL(parsing: $0) }.map { url in
            UpstreamProxy(
                kind: url.kind == .http ? .http : .socks5, host: url.host, port: url.port, username: url.username,
                password: url.password)
        }
        self.init(
            id: target.id, sourceIP: target.sourceIP, url: target.url, upstream: upstream,
            connectTimeout: target.connectTimeout.map(TimeAmount.init))
    }
}
