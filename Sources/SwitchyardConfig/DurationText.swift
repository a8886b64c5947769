/// Durations as written in config: a number followed by a unit, optionally several in a row — `500ms`, `30s`, `5m`,
/// `1h`, `1m30s`, and decimals such as `1.5s` or `0.25h`. Units are `h`, `m`, `s`, `ms`, `us` and `ns`; a bare
/// number has no unit and is rejected.
public enum DurationText {
    private static let units: [(name: String, nanoseconds: Int64)] = [
        ("h", 3_600_000_000_000), ("m", 60_000_000_000), ("s", 1_000_000_000),
        ("ms", 1_000_000), ("us", 1_000), ("ns", 1),
    ]

    /// The duration `text` spells, or nil when it is not one. A fraction finer than a nanosecond is dropped.
    public static func parse(_ text: String) -> Duration? {
        var total: Int64 = 0
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix(while: \.isASCIIDigit)
            rest = rest.dropFirst(digits.count)
            var fraction: Substring = ""
            if rest.first == "." {
                fraction = rest.dropFirst().prefix(while: \.isASCIIDigit)
                guard !fraction.isEmpty, fraction.count <= 9 else { return nil }
                rest = rest.dropFirst(1 + fraction.count)
            }
            let unitName = rest.prefix(while: { $0.isLetter })
            rest = rest.dropFirst(unitName.count)
            guard !digits.isEmpty, digits.count <= 18, let count = Int64(digits),
                let unit = units.first(where: { $0.name == unitName })
            else { return nil }
            let (product, overflowed) = count.multipliedReportingOverflow(by: unit.nanoseconds)
            // The fraction in nanoseconds: digits × unit / 10^digits, in double width (up to 10^9 × 3.6·10^12).
            let scale = (0..<fraction.count).reduce(Int64(1)) { value, _ in value * 10 }
            let wide = (Int64(fraction) ?? 0).multipliedFullWidth(by: unit.nanoseconds)
            let part = scale.dividingFullWidth(wide).quotient
            let (sum, overflowedSum) = total.addingReportingOverflow(product)
            let (withPart, overflowedPart) = sum.addingReportingOverflow(part)
            guard !overflowed, !overflowedSum, !overflowedPart else { return nil }
            total = withPart
        }
        return .nanoseconds(total)
    }

    /// The shortest text `parse` reads back as `duration`, e.g. `1m30s`; `0s` for zero.
    public static func format(_ duration: Duration) -> String {
        if duration < .zero { return "-" + format(.zero - duration) }
        let (seconds, attoseconds) = duration.components
        let nanoseconds = attoseconds / 1_000_000_000
        let parts: [(Int64, String)] = [
            (seconds / 3600, "h"), (seconds % 3600 / 60, "m"), (seconds % 60, "s"),
            (nanoseconds / 1_000_000, "ms"), (nanoseconds / 1000 % 1000, "us"), (nanoseconds % 1000, "ns"),
        ]
        let text = parts.filter { $0.0 != 0 }.map { "\($0.0)\($0.1)" }.joined()
        return text.isEmpty ? "0s" : text
    }

    /// Why `text` is not a duration, for an error message.
    static func problem(with text: String) -> String {
        if !text.isEmpty, text.allSatisfy(\.isASCIIDigit) {
            return "\"\(text)\" has no unit; write e.g. \"\(text)s\" (units: h, m, s, ms)"
        }
        return "\"\(text)\" is not a duration; write e.g. \"500ms\", \"1.5s\", \"30s\", \"5m\", \"1h\" or \"1m30s\""
    }
}
