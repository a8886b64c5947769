/// Request rates as written in config: a number of requests per second, minute or hour — `100/s`, `6000/m`,
/// `0.5/s`, `3600/h` — stored as requests per second. A bare number (`100`) is per second.
public enum RateText {
    private static let units: [(name: String, seconds: Double)] = [("s", 1), ("m", 60), ("h", 3600)]

    /// The requests per second `text` spells, or nil when it is not a rate. Zero parses; the validator rejects it.
    public static func parse(_ text: String) -> Double? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count) else { return nil }
        let number = parts[0]
        let unitName = parts.count == 2 ? parts[1] : "s"
        guard let first = number.first, first.isASCIIDigit, number.allSatisfy({ "0123456789.eE+-".contains($0) }),
            let count = Double(number), count.isFinite,
            let unit = units.first(where: { $0.name == unitName })
        else { return nil }
        return count / unit.seconds
    }

    /// Text `parse` reads back as exactly `rate`: per second when that is a whole number or a short decimal (`100/s`,
    /// `0.5/s`), else a whole number per minute or hour when there is one (`1/m`), else the rate per second in full.
    public static func format(_ rate: Double) -> String {
        let perSecond = "\(rate)/s"
        if let dot = perSecond.firstIndex(of: "."), perSecond[dot...].count <= 6, parse(perSecond) == rate {
            return perSecond.hasSuffix(".0/s") ? perSecond.replacing(".0/s", with: "/s") : perSecond
        }
        for unit in units {
            let count = rate * unit.seconds
            guard count.rounded() == count, abs(count) < 1e15 else { continue }
            let text = "\(Int(count))/\(unit.name)"
            if parse(text) == rate { return text }
        }
        return perSecond
    }

    /// Why `text` is not a rate, for an error message.
    static func problem(with text: String) -> String {
        "\"\(text)\" is not a rate; write requests per second, minute or hour as N/s, N/m or N/h "
            + "(e.g. \"100/s\", \"6000/m\", \"0.5/s\"), or a bare number for per second"
    }
}
