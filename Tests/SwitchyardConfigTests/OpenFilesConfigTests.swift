import Testing

@testable import SwitchyardConfig

/// `max_open_files`: `auto` (the default) or a number, checked for range, shown by `switchyard check`.
@Suite struct OpenFilesConfigTests {
    @Test func autoIsTheDefaultAndANumberIsKept() throws {
        #expect(try ConfigLoader.parse(yaml: minimalYAML, file: nil).process.maxOpenFiles == nil)
        let auto = try ConfigLoader.parse(yaml: "max_open_files: auto\n" + minimalYAML, file: nil)
        #expect(auto.process.maxOpenFiles == nil)
        let fixed = try ConfigLoader.parse(yaml: "max_open_files: 65536\n" + minimalYAML, file: nil)
        #expect(fixed.process.maxOpenFiles == 65536)
        #expect(fixed.rendered().contains("max_open_files: 65536\n"))
        #expect(try ConfigLoader.parse(yaml: fixed.rendered(), file: nil).process.maxOpenFiles == 65536)
        #expect(try ConfigLoader.parse(yaml: minimalYAML, file: nil).rendered().contains("max_open_files: auto\n"))
    }

    @Test func badValuesNameTheField() {
        for (value, message) in [
            ("100", "max_open_files: must be auto or between 256 and 1048576, got 100"),
            ("2000000", "max_open_files: must be auto or between 256 and 1048576, got 2000000"),
            ("lots", "expected auto or a whole number, got \"lots\""),
        ] {
            let found = issues(in: "max_open_files: \(value)\n" + minimalYAML).map(\.description)
            #expect(found.contains { $0.contains(message) }, "\(value): \(found)")
        }
    }
}
