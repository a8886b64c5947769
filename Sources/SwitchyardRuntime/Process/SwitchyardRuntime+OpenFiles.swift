import Logging
import SwitchyardConfig

extension SwitchyardRuntime {
    /// Sets the open files limit `config` asks for (`max_open_files`; by default the hard limit), logging a change,
    /// and warns when the listeners' connection slots may need more descriptors than that. Run at start and on
    /// every reload.
    /// - Throws: the system's refusal (a limit above the hard limit without the privilege to raise it); the limit
    ///   is then unchanged.
    func applyOpenFileLimit(for config: SwitchyardConfig) throws(OpenFileLimit.Refusal) {
        let (before, after) = try OpenFileLimit.apply(config.process.maxOpenFiles)
        if after != before {
            logger.info(
                "open files limit set",
                metadata: ["from": "\(Self.describe(before.soft))", "to": "\(Self.describe(after.soft))"])
        }
        let needed = OpenFileLimit.needed(by: config.listeners)
        if needed > after.soft {
            logger.warning(
                "the listeners' connection slots may need more file descriptors than the process may open",
                metadata: [
                    "needed": "\(needed)", "limit": "\(after.soft)",
                    "hint":
                        "raise max_open_files or the hard limit (LimitNOFILE=, ulimit -Hn), or lower max_connections",
                ])
        }
    }

    private static func describe(_ limit: Int) -> String {
        limit == Int.max ? "unlimited" : "\(limit)"
    }
}
