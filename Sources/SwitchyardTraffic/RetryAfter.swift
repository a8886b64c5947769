#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads an HTTP `Retry-After` value (RFC 9110 §10.2.3): a number of seconds, or an HTTP date.
///
/// Thread-safety: stateless.
public enum RetryAfter {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// How long `value` asks to wait from now; nil when it is neither form.
    public static func parse(_ value: String) -> Duration? {
        parse(value, now: Int64(time(nil)))
    }

    /// How long `value` asks to wait, measured from `now` (seconds since the Unix epoch) for a date; nil when it is
    /// neither form. A date in the past means no wait (zero).
    public static func parse(_ value: String, now: Int64) -> Duration? {
        let text = value.trimmingASCIISpaces
        if let seconds = Int64(text), seconds >= 0 {
            return .seconds(seconds)
        }
        guard let date = epochSeconds(ofIMFFixdate: String(text)) else { return nil }
        return .seconds(max(0, date - now))
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT` as seconds since the epoch (the preferred form; obsolete forms are not read).
    static func epochSeconds(ofIMFFixdate text: String) -> Int64? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[0].hasSuffix(","), parts[5] == "GMT", let day = Int64(parts[1]),
            let monthIndex = months.firstIndex(of: String(parts[2])), let year = Int64(parts[3])
        else { return nil }
        let clock = parts[4].split(separator: ":")
        guard clock.count == 3, let hour = Int64(clock[0]), let minute = Int64(clock[1]), let second = Int64(clock[2]),
            (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        return daysFromCivil(year: year, month: Int64(monthIndex) + 1, day: day) * 86_400 + hour * 3_600 + minute * 60
            + second
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

extension String {
    fileprivate var trimmingASCIISpaces: Substring {
        var text = self[...]
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }
}
