import Logging
import SwitchyardConfig

/// Re-reads the config (file, environment and flags) and applies it live, for whatever asked: SIGHUP or a change
/// of the watched file. A config that does not load, or cannot be applied live, is logged with every problem and
/// counted as a failed reload, and the old one keeps running.
struct ConfigReloader: Sendable {
    let runtime: SwitchyardRuntime
    let configSource: @Sendable () throws -> SwitchyardConfig
    let logger: Logger
    let notifier: ServiceManagerNotifier

    /// Reloads once; `trigger` names the cause in the log lines.
    func reload(trigger: String) {
        notifier.reloading()
        defer { notifier.ready() }
        let config: SwitchyardConfig
        do {
            config = try configSource()
        } catch {
            runtime.metrics.configReloaded(succeeded: false)
            logger.error(
                "\(trigger): the config does not load; still running the old one", metadata: ["error": "\(error)"])
            return
        }
        do {
            try runtime.reload(config, cause: trigger)
        } catch {
            logger.error(
                "\(trigger): the config cannot be applied live; still running the old one",
                metadata: ["error": "\(error)"])
        }
    }
}
