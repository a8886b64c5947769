import NIOCore
import NIOEmbedded
import Testing

@testable import SwitchyardProxy

/// The idle-connection pool keeps within both of its bounds and lets connections go after the idle timeout.
struct UpstreamConnectionPoolTests {
    private func connection(_ key: UpstreamConnectionPool.Key, on loop: EmbeddedEventLoop) throws -> UpstreamHTTPConnection {
        let channel = EmbeddedChannel(loop: loop)
        let handler = UpstreamHTTPHandler()
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return UpstreamHTTPConnection(channel: channel, handler: handler, key: key)
    }

    @Test func boundsPerDestinationAndInTotal() throws {
        let loop = EmbeddedEventLoop()
        let pool = UpstreamConnectionPool(eventLoop: loop, maxIdlePerKey: 2, maxIdleTotal: 3, idleTimeout: .seconds(60))
        let a = UpstreamConnectionPool.Key(route: "r", host: "a", port: 80)
        let b = UpstreamConnectionPool.Key(route: "r", host: "b", port: 80)
        let onA = try (0..<3).map { _ in try connection(a, on: loop) }
        let onB = try (0..<2).map { _ in try connection(b, on: loop) }
        for item in onA + onB { pool.put(item) }
        #expect(pool.idleCount == 3)
        #expect(onA[0].channel.isActive && onA[1].channel.isActive && !onA[2].channel.isActive, "a third on one destination is closed")
        #expect(onB[0].channel.isActive && !onB[1].channel.isActive, "past the total bound, connections are closed")
        #expect(pool.take(a) === onA[1], "the most recently returned first")
        #expect(pool.idleCount == 2)
    }

    @Test func idleConnectionsExpire() throws {
        let loop = EmbeddedEventLoop()
        let pool = UpstreamConnectionPool(eventLoop: loop, maxIdlePerKey: 8, maxIdleTotal: 8, idleTimeout: .seconds(60))
        let key = UpstreamConnectionPool.Key(route: "r", host: "a", port: 80)
        let kept = try connection(key, on: loop)
        pool.put(kept)
        loop.advanceTime(by: .seconds(59))
        #expect(pool.idleCount == 1)
        loop.advanceTime(by: .seconds(2))
        #expect(pool.idleCount == 0)
        #expect(!kept.channel.isActive)
        #expect(pool.take(key) == nil)
    }

    /// Many destinations pass through a forward proxy: a refused connection leaves no list behind, and a list its
    /// connections were taken from goes at the next sweep.
    @Test func listsDoNotOutliveTheirConnections() throws {
        let loop = EmbeddedEventLoop()
        let pool = UpstreamConnectionPool(eventLoop: loop, maxIdlePerKey: 1, maxIdleTotal: 1, idleTimeout: .seconds(60))
        let first = UpstreamConnectionPool.Key(route: "r", host: "a", port: 80)
        pool.put(try connection(first, on: loop))
        for host in 0..<100 {
            pool.put(try connection(UpstreamConnectionPool.Key(route: "r", host: "h\(host)", port: 80), on: loop))
        }
        let closed = try connection(UpstreamConnectionPool.Key(route: "r", host: "closed", port: 80), on: loop)
        closed.markClosed()
        pool.put(closed)
        #expect(pool.idleCount == 1 && pool.keysHeld == 1, "refused connections make no list")
        #expect(pool.take(first) != nil)
        #expect(pool.keysHeld == 1, "an emptied list waits for the sweep")
        pool.put(try connection(UpstreamConnectionPool.Key(route: "r", host: "b", port: 80), on: loop))
        loop.advanceTime(by: .seconds(31))
        #expect(pool.keysHeld == 1, "the sweep dropped the empty list and kept the live one")
    }

    /// A pool a reload replaced is no longer used; its sweeping must not keep it (and a timer) alive for ever.
    @Test func aPoolLeftEmptyStopsSweepingAndIsFreed() throws {
        let loop = EmbeddedEventLoop()
        var pool: UpstreamConnectionPool? = UpstreamConnectionPool(
            eventLoop: loop, maxIdlePerKey: 8, maxIdleTotal: 8, idleTimeout: .seconds(60))
        weak let replaced = pool
        pool?.put(try connection(UpstreamConnectionPool.Key(route: "r", host: "a", port: 80), on: loop))
        pool = nil
        #expect(replaced != nil, "its idle connection is swept in time")
        loop.advanceTime(by: .seconds(61))
        #expect(replaced == nil, "nothing left to sweep: no timer holds it")
    }
}
