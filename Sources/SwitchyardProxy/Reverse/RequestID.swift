import Synchronization

/// Request ids for `X-Request-Id`: 32 lower-case hex digits, unique per process run and unpredictable across runs.
///
/// A process-wide counter is mixed (splitmix64) with a random per-process key, so making one costs an atomic
/// increment and no system call.
enum RequestID {
    private static let counter = Atomic<UInt64>(0)
    private static let key: (UInt64, UInt64) = {
        var generator = SystemRandomNumberGenerator()
        return (generator.next(), generator.next())
    }()

    static func make() -> String {
        let sequence = counter.wrappingAdd(1, ordering: .relaxed).newValue
        let halves = (mix(sequence ^ key.0), mix(sequence &+ key.1))
        return String(unsafeUninitializedCapacity: 32) { bytes in
            for digit in 0..<32 {
                let half = digit < 16 ? halves.0 : halves.1
                let nibble = Int((half >> UInt64(60 - 4 * (digit % 16))) & 0xF)
                bytes[digit] = hexDigits[nibble]
            }
            return 32
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
