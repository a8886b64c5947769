import ArgumentParser
import SwitchyardConfig

extension SwitchyardCommand {
    /// Prints the Switchyard config equivalent to another proxy's config.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the Switchyard config (YAML) equivalent to another proxy's config.",
            subcommands: [Netdrift.self]
        )
    }
}

extension SwitchyardCommand.Import {
    /// `switchyard import netdrift FILE.json`: the YAML on standard output, what did not carry over on standard
    /// error; exit status 2, with every problem and its line, when the file cannot be converted.
    struct Netdrift: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert a Netdrift JSON config (server, authentication, upstream_proxies).",
            discussion: "Fields that do not carry over are listed on standard error."
        )

        @Argument(help: "The Netdrift config file (JSON).")
        var file: String

        func run() throws {
            let imported: NetdriftImport
            do {
                imported = try NetdriftImport.convert(file: file)
            } catch {
                writeToStandardError(
                    "switchyard: cannot convert \(file):\n" + error.issues.map { "  \($0)\n" }.joined())
                throw ExitCode(2)
            }
            for note in imported.notes { writeToStandardError("switchyard: \(file): \(note)\n") }
            print("# Converted from the Netdrift config \(file) by switchyard import netdrift.")
            print(imported.config.rendered(redactingSecrets: false), terminator: "")
        }
    }
}
