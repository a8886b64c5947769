import Synchronization
import SwitchyardConfig
@testable import SwitchyardRuntime
import Testing

/// A reload that changes `workers`: new connections go to new event loops at once, open tunnels run on on the
/// loops they started on, and the old loops shut down once those have closed.
@Suite(.timeLimit(.minutes(2)))
struct WorkersReloadTests {
    @Test func aTunnelRunsOnAcrossWorkersChangesWhileEveryNewRequestSucceeds() async throws {
        try await withResources { resources in
            let echo = resources.track(try await TCPServer.echo(group: resources.group))
            let echoPort = echo.localAddress!.port!
            let origin = resources.track(try await TestOrigin.start(group: resources.group))
            let proxy = resources.track(try await ProxyHarness(yaml: "workers: 1\n" + ProxyHarness.forwardYAML()))
            let tunnel = try RawClient(port: proxy.port)
            try tunnel.send("CONNECT 127.0.0.1:\(echoPort) HTTP/1.1\r\nHost: 127.0.0.1:\(echoPort)\r\n\r\n")
            #expect(try tunnel.receive(until: "\r\n\r\n").hasPrefix("HTTP/1.1 200"))

            let stop = Atomic<Bool>(false)
            let request =
                "GET http://127.0.0.1:\(origin.port)/ HTTP/1.1\r\nHost: 127.0.0.1:\(origin.port)\r\nConnection: close\r\n\r\n"
            let load = Task { [port = proxy.port] in
                try await HTTPLoad.onThreads(4) { _ in
                    var statuses: [Int] = []
                    while !stop.load(ordering: .relaxed) {
                        statuses.append((try? RawClient(port: port).exchange(request).status) ?? 0)
                    }
                    return statuses
                }
            }
            var groups = [proxy.runtime.workerGroup]
            var config = proxy.runtime.config
            for (round, workers) in [2, 1, 2, 1, 2, 1].enumerated() {
                try await Task.sleep(for: .milliseconds(200))
                config.workers = workers
                try proxy.runtime.reload(config)
                groups.append(proxy.runtime.workerGroup)
                #expect(groups.last!.threads == workers && groups.last! !== groups[groups.count - 2])
                try tunnel.send("through-\(round)")
                #expect(try tunnel.receive(until: "through-\(round)") == "through-\(round)", "the open tunnel runs on")
            }
            try await Task.sleep(for: .milliseconds(300))
            stop.store(true, ordering: .relaxed)
            let statuses = try await load.value.flatMap { $0 }
            #expect(statuses.count > 10 && statuses.allSatisfy { $0 == 200 }, "every new request is served")
            #expect(
                try await eventually { groups[1..<(groups.count - 1)].allSatisfy(\.isShutDown) },
                "the loops with no connection left shut down")
            #expect(!groups[0].isShutDown, "the tunnel's loops stay while it is open")

            tunnel.shutdownWrite()
            #expect(try tunnel.receiveAll().isEmpty)
            #expect(try await eventually { groups[0].isShutDown }, "the old loops shut down once the tunnel closed")
            #expect(!groups.last!.isShutDown)
        }
    }
}
