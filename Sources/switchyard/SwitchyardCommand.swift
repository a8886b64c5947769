import ArgumentParser
import Logging
import SwitchyardConfig
import SwitchyardRuntime

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The `switchyard` command line: `run` (the default) serves a config, `check` validates one, `reload` asks a
/// running instance to re-read its config, `import` converts another proxy's config.
@main
struct SwitchyardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchyard",
        abstract: "A load-balancing forward and reverse proxy.",
        discussion: """
            With no arguments, runs the embedded default: a forward proxy on 127.0.0.1:3128 leaving through the \
            machine's default route. Precedence: flags > SWITCHYARD_* environment variables > --config file > defaults.
            """,
        version: SwitchyardVersion.current,
        subcommands: [Run.self, Check.self, Reload.self, Import.self],
        defaultSubcommand: Run.self
    )
}

extension SwitchyardCommand {
    /// Serves the effective config until SIGTERM or SIGINT.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the proxy (the default command).")

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let config = try options.resolveOrExit()
            LineLogHandler.bootstrap(config.log)
            let logger = Logger(label: "switchyard")
            // Log lines are written from a thread of their own: give the last ones a moment to reach standard
            // output before exiting, but never hang the exit on a reader that does not read.
            defer { LineLogHandler.flush(timeout: .seconds(1)) }
            do {
                let runtime = try SwitchyardRuntime(config: config, configFile: options.configFile, logger: logger)
                let options = self.options
                try await runtime.run(configSource: { try options.resolve() })
            } catch {
                logger.error("startup failed", metadata: ["error": "\(error)"])
                throw ExitCode(1)
            }
        }
    }

    /// Validates a config and prints the effective result with secrets redacted.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the config and print the effective config (secrets redacted)."
        )

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let config = try options.resolveOrExit()
            print(config.rendered(redactingSecrets: true), terminator: "")
            // A YAML comment, so the output still loads as a config.
            print("# config OK: \(config.listeners.count) listener(s), \(config.pools.count) pool(s)")
        }
    }

    /// Sends SIGHUP to the instance named by the config's PID file, which then re-reads its config.
    struct Reload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask the running instance (found through its pid file) to reload its config."
        )

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let config = try options.resolveOrExit()
            guard let path = config.process.pidFile else {
                throw ValidationError("no pid file: give --pid-file or set pid_file in the config")
            }
            do {
                try PIDFile.signal(SIGHUP, toProcessIn: path)
            } catch {
                throw ValidationError(error.description)
            }
            print("reload requested from process in \(path)")
        }
    }
}
