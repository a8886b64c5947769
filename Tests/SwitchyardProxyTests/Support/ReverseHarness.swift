import NIOCore
import NIOPosix

/// A reverse listener in front of loopback backends started for the test.
struct ReverseSetup {
    /// A pool of backends, by name; each backend is `http://127.0.0.1:<port>`.
    struct Pool {
        var name: String
        var ports: [Int]
        var weights: [Int]? = nil
        var policy = "lru-per-host"
        var extra = ""
    }

    /// YAML for one reverse listener on an ephemeral port with `routes` (already indented list items) and `pools`.
    static func yaml(routes: String, pools: [Pool], listenerExtra: String = "") -> String {
        var text = """
            log: { level: error, format: text }
            listeners:
              - name: web
                mode: reverse
                listen: "127.0.0.1:0"
            \(listenerExtra)    routes:
            \(routes)
            pools:

            """
        for pool in pools {
            text += "  \(pool.name):\n    policy: \(pool.policy)\n\(pool.extra)    targets:\n"
            for (index, port) in pool.ports.enumerated() {
                text += "      - url: \"http://127.0.0.1:\(port)\"\n"
                if let weights = pool.weights { text += "        weight: \(weights[index])\n" }
            }
        }
        return text
    }
}

/// Runs `body` with `count` origins and a reverse proxy built by `yaml(ports)`, cleaning everything up.
func withReverseProxy<T>(
    backends count: Int,
    yaml: ([Int]) -> String,
    _ body: (ProxyHarness, [TestOrigin]) async throws -> T
) async throws -> T {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    var origins: [TestOrigin] = []
    do {
        for _ in 0..<count { origins.append(try await TestOrigin.start(group: group)) }
        let harness = try await ProxyHarness(yaml: yaml(origins.map(\.port)))
        do {
            let result = try await body(harness, origins)
            await harness.shutdown()
            for origin in origins { await origin.stop() }
            try await group.shutdownGracefully()
            return result
        } catch {
            await harness.shutdown()
            throw error
        }
    } catch {
        for origin in origins { await origin.stop() }
        try? await group.shutdownGracefully()
        throw error
    }
}

/// Servers a test starts, closed in reverse order when the test ends, however it ends.
final class TestResources {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var closers: [() async -> Void] = []

    func track(_ channel: any Channel) -> any Channel {
        closers.append { try? await channel.close() }
        return channel
    }

    func track(_ origin: TestOrigin) -> TestOrigin {
        closers.append { await origin.stop() }
        return origin
    }

    func track(_ proxy: ProxyHarness) -> ProxyHarness {
        closers.append { await proxy.shutdown() }
        return proxy
    }

    func track(_ dns: LoopbackDNSServer) -> LoopbackDNSServer {
        closers.append { dns.stop() }
        return dns
    }

    fileprivate func closeAll() async {
        for closer in closers.reversed() { await closer() }
        try? await group.shutdownGracefully()
    }
}

/// Runs `body` with a fresh `TestResources` and closes everything it tracked afterwards.
func withResources<T>(_ body: (TestResources) async throws -> T) async throws -> T {
    let resources = TestResources()
    do {
        let result = try await body(resources)
        await resources.closeAll()
        return result
    } catch {
        await resources.closeAll()
        throw error
    }
}
