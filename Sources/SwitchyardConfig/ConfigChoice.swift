/// Reads one of a fixed set of names (a log level, a listener mode), naming the valid ones when the text is not one.
enum ConfigChoice {
    static func parse<Choice: CaseIterable & RawRepresentable<String>>(
        _ text: String, noun: String, note: String = "", using parse: (String) -> Choice?
    ) throws(ValueError) -> Choice {
        if let choice = parse(text) { return choice }
        let names = Choice.allCases.map(\.rawValue)
        let expected = names.count == 1 ? names[0] : "one of \(names.joined(separator: ", "))"
        throw ValueError(
            "\"\(text)\" is not a \(noun); expected \(expected)\(note)" + Suggestion.didYouMean(text, in: names))
    }
}
