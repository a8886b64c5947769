/// A fuzz input as a client's reads: the first byte picks a variant (a listener), the next two where to cut the rest
/// into up to three reads, so a message can arrive whole or split anywhere.
public struct ClientReads {
    /// The variant byte.
    public let variant: UInt8
    /// The reads, none empty.
    public let reads: [UnsafeBufferPointer<UInt8>.SubSequence]

    /// Nil for an input too short to carry the variant and the cuts.
    public init?(_ data: UnsafePointer<UInt8>, _ size: Int) {
        let input = UnsafeBufferPointer(start: data, count: size)
        guard input.count >= 3 else { return nil }
        let bytes = input.dropFirst(3)
        let cuts = [input[1], input[2]].map { bytes.startIndex + Int($0) * bytes.count / 255 }.sorted()
        variant = input[0]
        reads = [bytes[..<cuts[0]], bytes[cuts[0]..<cuts[1]], bytes[cuts[1]...]].filter { !$0.isEmpty }
    }
}
