import Foundation
import Logging
@testable import SwitchyardRuntime
import Testing

/// The log writer against a pipe the test reads (or does not read) in place of standard output.
@Suite(.timeLimit(.minutes(1)))
struct LogLineWriterTests {
    /// Both ends of a pipe, closed when the test is done with it.
    final class TestPipe: Sendable {
        let readEnd: Int32
        let writeEnd: Int32

        init() throws {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { throw Failure(description: "pipe failed: errno \(errno)") }
            (readEnd, writeEnd) = (ends[0], ends[1])
        }

        deinit {
            close(readEnd)
            close(writeEnd)
        }

        /// Reads on a thread of its own until a line equal to `last` has arrived; returns every line before it.
        func lines(until last: String) async throws -> [String] {
            try await HTTPLoad.onThread { [readEnd] in
                var lines: [String] = []
                var partial: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
                    if count < 0 && errno == EINTR { continue }
                    guard count > 0 else { throw Failure(description: "pipe read failed after \(lines.count) lines") }
                    for byte in buffer[..<count] {
                        guard byte == UInt8(ascii: "\n") else {
                            partial.append(byte)
                            continue
                        }
                        let line = String(decoding: partial, as: UTF8.self)
                        partial.removeAll(keepingCapacity: true)
                        if line == last { return lines }
                        lines.append(line)
                    }
                }
            }
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// `line 00042 xxxxxxxx...`: numbered, all of one length, so a cut or spliced line shows.
    static func numbered(_ number: Int, prefix: String = "line") -> String {
        let digits = String(number)
        return "\(prefix) " + String(repeating: "0", count: 6 - digits.count) + digits + " "
            + String(repeating: "x", count: 80)
    }

    @Test func linesFromManyThreadsArriveWholeAndInOrder() async throws {
        let pipe = try TestPipe()
        let writer = LogLineWriter(fileDescriptor: pipe.writeEnd)
        let threads = 4
        let perThread = 5_000
        async let received = pipe.lines(until: "end")
        _ = try await HTTPLoad.onThreads(threads) { thread in
            for number in 0..<perThread { writer.enqueue(Self.numbered(number, prefix: "t\(thread)") + "\n") }
        }
        writer.enqueue("end\n")
        let lines = try await received

        #expect(lines.count == threads * perThread)
        #expect(writer.droppedLines == 0)
        for thread in 0..<threads {
            let own = lines.filter { $0.hasPrefix("t\(thread) ") }
            #expect(own == (0..<perThread).map { Self.numbered($0, prefix: "t\(thread)") })
        }
        #expect(writer.flush(timeout: .seconds(5)))
    }

    @Test func aReaderThatStopsReadingCostsDroppedLinesNotABlockedCaller() async throws {
        let pipe = try TestPipe()
        let writer = LogLineWriter(fileDescriptor: pipe.writeEnd, capacity: 16 * 1024)
        let total = 20_000  // about 1.7 MB: far more than the pipe (64 KiB) and the queue hold
        var accepted = 0
        let start = ContinuousClock.now
        for number in 0..<total {
            if writer.enqueue(Self.numbered(number) + "\n") { accepted += 1 }
        }
        let enqueueTime = ContinuousClock.now - start

        #expect(enqueueTime < .seconds(5), "enqueue must not wait for the reader")
        #expect(accepted < total)
        #expect(writer.droppedLines == total - accepted)
        let flushStart = ContinuousClock.now
        #expect(!writer.flush(timeout: .milliseconds(200)), "nothing can be flushed while nobody reads")
        #expect(ContinuousClock.now - flushStart < .seconds(2))

        // The reader comes back: what was queued arrives, and so do new lines.
        async let received = pipe.lines(until: "resumed")
        while !writer.enqueue("resumed\n") { try await Task.sleep(for: .milliseconds(10)) }
        let lines = try await received
        #expect(writer.flush(timeout: .seconds(5)))

        #expect(lines.count == accepted)
        let numbers = lines.map { Int($0.split(separator: " ")[1]) ?? -1 }
        #expect(lines == numbers.map { Self.numbered($0) }, "every line arrives whole")
        #expect(zip(numbers, numbers.dropFirst()).allSatisfy { $0 < $1 }, "in the order enqueued")
        #expect(writer.droppedLines == total - accepted)
    }
}

/// JSON log lines carry numbers as JSON numbers, so log shippers can sum and compare them without parsing strings.
@Suite struct JSONLogValueTests {
    @Test func numbersAndBooleansAreBareAndTextIsQuoted() {
        #expect(LineLogHandler.json(.stringConvertible(UInt(200))) == "200")
        #expect(LineLogHandler.json(.stringConvertible(-7)) == "-7")
        #expect(LineLogHandler.json(.stringConvertible(1.5)) == "1.5")
        #expect(LineLogHandler.json(.stringConvertible(true)) == "true")
        #expect(LineLogHandler.json(.stringConvertible(Double.nan)) == "\"nan\"")
        #expect(LineLogHandler.json(.string("200")) == "\"200\"", "text stays text even when it looks like a number")
    }
}
