/// A 64-bit hash of text that is the same in every process and on every machine (unlike `Hasher`, which is seeded
/// per process), so a key maps to the same target after a restart and on every Switchyard instance.
///
/// FNV-1a over the UTF-8 bytes, then SplitMix64's finaliser to spread FNV's weak low bits.
///
/// Thread-safety: stateless.
enum StableHash {
    static func hash(_ text: String, seed: UInt64 = 0) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325 ^ seed
        for byte in text.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return SplitMix64.scramble(hash)
    }
}
