import ServiceLifecycle
import UnixSignals

/// Reloads the configuration on SIGHUP (instead of the signal's default, terminating).
struct HangupService: Service {
    let signals: UnixSignalsSequence
    let reloader: ConfigReloader

    func run() async throws {
        for await _ in signals.cancelOnGracefulShutdown() {
            reloader.reload(trigger: "SIGHUP")
        }
    }
}

/// Reloads the configuration when its file changes (`reload.watch`), checking every `interval`: in-place writes,
/// editors' rename-over saves and Kubernetes ConfigMap symlink swaps are each one reload (see `ConfigFileWatch`).
struct ConfigWatchService: Service {
    let path: String
    /// The version the running config was read from.
    let initial: FileSignature?
    let interval: Duration
    let reloader: ConfigReloader

    func run() async throws {
        let path = self.path
        let initial = self.initial
        let interval = self.interval
        let reloader = self.reloader
        try? await cancelWhenGracefulShutdown {
            var watch = ConfigFileWatch(initial: initial)
            while true {
                try await Task.sleep(for: interval)
                if watch.observe(FileSignature(path: path)) { reloader.reload(trigger: "config file changed") }
            }
        }
    }
}
