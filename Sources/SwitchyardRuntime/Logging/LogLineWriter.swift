import Atomics

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes formatted log lines to a file descriptor (standard output) from a thread of its own, so that logging never
/// waits for whoever reads that descriptor.
///
/// `enqueue` copies a line into a bounded in-memory queue and returns at once; one background thread (a plain
/// pthread, neither an event loop nor the cooperative pool) takes everything queued and writes it with as few
/// `write` calls as the descriptor accepts. When the reader falls behind (a full pipe, a stopped supervisor) and the
/// queue is full, new lines are dropped whole and counted in `droppedLines`; writing carries on once the reader
/// does. Lines are written in the order they were enqueued and never split or interleaved.
///
/// The queue is guarded by a `pthread_mutex_t` with two condition variables (the standard library's `Mutex` has
/// none): the thread sleeps while there is nothing to write, and `flush(timeout:)` sleeps until everything is written.
///
/// Thread-safety: all members may be used from any thread at the same time.
public final class LogLineWriter: @unchecked Sendable {
    /// The writer to standard output that every `LineLogHandler` of the process shares.
    public static let standardOutput = LogLineWriter(fileDescriptor: 1)

    /// The descriptor written to; the writer does not close it.
    public let fileDescriptor: Int32
    /// The most bytes waiting at once, queued or being written; a line that does not fit is dropped.
    public let capacity: Int

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    /// Signalled when lines are queued while the thread sleeps.
    private let queued: UnsafeMutablePointer<pthread_cond_t>
    /// Broadcast when the thread has written everything queued.
    private let drained: UnsafeMutablePointer<pthread_cond_t>
    private let dropped = ManagedAtomic(0)

    // Guarded by `mutex`.
    /// Lines waiting for the thread, back to back.
    private var pending: [UInt8] = []
    private var pendingLines = 0
    /// The bytes of the batch the thread is writing now (they count against `capacity` until written).
    private var writingBytes = 0
    private var threadStarted = false
    private var threadSleeps = false

    /// A batch buffer larger than this is given back after it is written rather than kept for the next batch.
    private static let keptBufferBytes = 256 * 1024

    /// - Parameters:
    ///   - fileDescriptor: where lines go (1 for standard output).
    ///   - capacity: the most bytes waiting to be written at once; 4 MiB by default.
    public init(fileDescriptor: Int32, capacity: Int = 4 * 1024 * 1024) {
        self.fileDescriptor = fileDescriptor
        self.capacity = capacity
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init failed")
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        #if os(Linux)
            pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        #endif
        queued = .allocate(capacity: 1)
        queued.initialize(to: pthread_cond_t())
        precondition(pthread_cond_init(queued, &attributes) == 0, "pthread_cond_init failed")
        drained = .allocate(capacity: 1)
        drained.initialize(to: pthread_cond_t())
        precondition(pthread_cond_init(drained, &attributes) == 0, "pthread_cond_init failed")
        pthread_condattr_destroy(&attributes)
    }

    /// Lines dropped so far because the queue was full (or the descriptor refused them).
    public var droppedLines: Int { dropped.load(ordering: .relaxed) }

    /// Queues `line` (which should end with a newline) to be written; never waits for the descriptor.
    /// - Returns: false when the line was dropped because the queue is full.
    @discardableResult
    public func enqueue(_ line: String) -> Bool {
        var line = line
        return line.withUTF8 { enqueue(bytes: $0) }
    }

    /// Queues the bytes of one line to be written; never waits for the descriptor.
    /// - Returns: false when the line was dropped because the queue is full.
    @discardableResult
    public func enqueue(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        pthread_mutex_lock(mutex)
        guard pending.count + writingBytes + bytes.count <= capacity else {
            pthread_mutex_unlock(mutex)
            dropped.wrappingIncrement(ordering: .relaxed)
            return false
        }
        pending.append(contentsOf: bytes)
        pendingLines += 1
        if !threadStarted {
            threadStarted = true
            startThread()
        } else if threadSleeps {
            pthread_cond_signal(queued)
        }
        pthread_mutex_unlock(mutex)
        return true
    }

    /// Waits until every line queued so far is written, or `timeout` has passed (a reader that never reads must not
    /// hold up an exit).
    /// - Returns: whether everything was written.
    @discardableResult
    public func flush(timeout: Duration = .seconds(1)) -> Bool {
        var deadline = timespec()
        #if os(Linux)
            clock_gettime(CLOCK_MONOTONIC, &deadline)
        #else
            clock_gettime(CLOCK_REALTIME, &deadline)
        #endif
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = Int(deadline.tv_nsec) + Int(attoseconds / 1_000_000_000)
        deadline.tv_sec += time_t(seconds) + time_t(nanoseconds / 1_000_000_000)
        deadline.tv_nsec = .init(nanoseconds % 1_000_000_000)
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !pending.isEmpty || writingBytes > 0 {
            if pthread_cond_timedwait(drained, mutex, &deadline) == ETIMEDOUT {
                return pending.isEmpty && writingBytes == 0
            }
        }
        return true
    }

    private func startThread() {
        let context = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(
            &thread, nil,
            { context in
                #if os(Linux)
                    let writer = Unmanaged<LogLineWriter>.fromOpaque(context!).takeRetainedValue()
                #else
                    let writer = Unmanaged<LogLineWriter>.fromOpaque(context).takeRetainedValue()
                #endif
                writer.run()
                return nil
            }, context)
        precondition(result == 0, "cannot start the log writer thread: error \(result)")
        pthread_detach(thread)
    }

    /// The thread's loop: take everything queued, write it, repeat; sleep while there is nothing.
    private func run() {
        var batch: [UInt8] = []
        pthread_mutex_lock(mutex)
        while true {
            while pending.isEmpty {
                pthread_cond_broadcast(drained)
                threadSleeps = true
                pthread_cond_wait(queued, mutex)
                threadSleeps = false
            }
            swap(&batch, &pending)
            let lines = pendingLines
            pendingLines = 0
            writingBytes = batch.count
            pthread_mutex_unlock(mutex)

            let written = writeAll(batch)
            if !written { dropped.wrappingIncrement(by: lines, ordering: .relaxed) }
            if batch.capacity > Self.keptBufferBytes {
                batch = []
            } else {
                batch.removeAll(keepingCapacity: true)
            }

            pthread_mutex_lock(mutex)
            writingBytes = 0
        }
    }

    /// Writes all of `bytes`, waiting as long as the descriptor needs.
    /// - Returns: false when the descriptor failed (closed, or an error other than an interruption).
    private func writeAll(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let count = write(fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if count > 0 {
                    offset += count
                } else if count < 0 && errno == EINTR {
                    continue
                } else if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                    // A non-blocking descriptor (shared with a parent that made it so): wait until it takes more.
                    var waiting = pollfd(fd: fileDescriptor, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&waiting, 1, -1)
                } else {
                    return false
                }
            }
            return true
        }
    }
}
