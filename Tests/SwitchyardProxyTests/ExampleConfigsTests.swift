import Foundation
import SwitchyardConfig
import Testing

/// Every config under `examples/` is valid, so the README's examples keep working.
struct ExampleConfigsTests {
    @Test func examplesValidate() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 3)
        for file in files {
            let path = directory.appendingPathComponent(file).path
            #expect(throws: Never.self, "\(file)") {
                _ = try ConfigLoader.resolve(file: path, flags: FlatOptions(), environment: [:])
            }
        }
    }
}
