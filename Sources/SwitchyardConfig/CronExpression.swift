/// A five-field cron expression (`minute hour day-of-month month day-of-week`), each field `*`, a number, a range
/// `a-b`, a step `*/n` or `a-b/n`, or a comma list of those; day-of-week 0-7 with 0 and 7 both Sunday. As in cron,
/// when both day fields are restricted a day matching either one matches.
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    /// The allowed values of each field, in order.
    private static let ranges = [0...59, 0...23, 1...31, 1...12, 0...7]
    private static let names = ["minute", "hour", "day of month", "month", "day of week"]

    /// `* * * * *`: every minute (also what a schedule whose expression was refused holds, so that no second
    /// problem is reported for it).
    public static let everyMinute = try! CronExpression(parsing: "* * * * *")

    public let description: String
    private let fields: [Set<Int>]
    private let restrictedDays: (month: Bool, week: Bool)

    /// Parses `text`; throws a message naming the field that is wrong.
    public init(parsing text: String) throws(CronError) {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 5 else {
            throw CronError("expected 5 fields (minute hour day-of-month month day-of-week), got \(parts.count)")
        }
        var fields: [Set<Int>] = []
        for (index, part) in parts.enumerated() {
            fields.append(try Self.field(String(part), range: Self.ranges[index], name: Self.names[index]))
        }
        if fields[4].contains(7) { fields[4].insert(0) }
        self.fields = fields
        self.restrictedDays = (parts[2] != "*", parts[4] != "*")
        self.description = parts.joined(separator: " ")
    }

    /// Whether the expression fires at this local time (weekday 0 = Sunday).
    public func matches(minute: Int, hour: Int, day: Int, month: Int, weekday: Int) -> Bool {
        guard fields[0].contains(minute), fields[1].contains(hour), fields[3].contains(month) else { return false }
        let dayOfMonth = fields[2].contains(day)
        let dayOfWeek = fields[4].contains(weekday)
        return restrictedDays.month && restrictedDays.week ? dayOfMonth || dayOfWeek : dayOfMonth && dayOfWeek
    }

    public static func == (lhs: CronExpression, rhs: CronExpression) -> Bool { lhs.description == rhs.description }

    private static func field(_ text: String, range: ClosedRange<Int>, name: String) throws(CronError) -> Set<Int> {
        var values: Set<Int> = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let stepParts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard (1...2).contains(stepParts.count) else { throw CronError("\(name): \"\(item)\" is not a value") }
            var step = 1
            if stepParts.count == 2 {
                guard let parsed = Int(stepParts[1]), parsed > 0 else {
                    throw CronError("\(name): \"\(stepParts[1])\" is not a step")
                }
                step = parsed
            }
            let span: ClosedRange<Int>
            if stepParts[0] == "*" {
                span = range
            } else {
                let bounds = stepParts[0].split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
                guard (1...2).contains(bounds.count), let low = bounds.first ?? nil, let high = bounds.last ?? nil,
                    range.contains(low), range.contains(high), low <= high
                else {
                    throw CronError("\(name): \"\(stepParts[0])\" is not within \(range.lowerBound)-\(range.upperBound)")
                }
                span = low...(bounds.count == 1 && stepParts.count == 2 ? range.upperBound : high)
            }
            values.formUnion(stride(from: span.lowerBound, through: span.upperBound, by: step))
        }
        return values
    }
}

/// Why a cron expression was refused.
public struct CronError: Error, Equatable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
