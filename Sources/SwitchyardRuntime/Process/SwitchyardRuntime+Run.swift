import Logging
import ServiceLifecycle
import SwitchyardConfig
import UnixSignals

/// Running as the process: signals, the PID file, the service manager, the config file watcher.
extension SwitchyardRuntime {
    /// Sets the open files limit, starts, claims the PID file, serves until SIGTERM or SIGINT, then shuts down
    /// gracefully and removes the PID file. SIGHUP (trapped first: its default action would kill the process) and,
    /// with `reload.watch`, a change of the config file reload the config `configSource` reads.
    public func run(configSource: @escaping @Sendable () throws -> SwitchyardConfig) async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        do {
            try applyOpenFileLimit(for: config)
        } catch {
            await shutdown()
            throw error
        }
        try await start()
        let process = config.process
        var pidFile: PIDFile?
        if let path = process.pidFile {
            do {
                pidFile = try PIDFile.claim(path)
            } catch {
                await shutdown()
                throw error
            }
        }
        defer { pidFile?.remove() }
        let listen = config.admin.listen
        let notifier = ServiceManagerNotifier()
        let reloader = ConfigReloader(runtime: self, configSource: configSource, logger: logger, notifier: notifier)
        // Shut down in reverse order: the admin server goes last, so /ready answers 503 while listeners drain.
        var services: [any Service] = [
            makeAdminServer(host: listen.host, port: listen.port),
            RuntimeService(runtime: self, notifier: notifier),
            HangupService(signals: hangups, reloader: reloader),
        ]
        if process.watch {
            if let configFile {
                services.append(
                    ConfigWatchService(
                        path: configFile, initial: configFileAtStart, interval: process.watchInterval,
                        reloader: reloader))
            } else {
                logger.warning("reload.watch is on but there is no config file to watch")
            }
        }
        logger.notice("switchyard started", metadata: startupSummary(watching: process.watch && configFile != nil))
        notifier.ready()
        let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }

    /// The one startup line's fields: the version, every listener with its mode and bound address, the admin
    /// address, the config file and whether it is watched.
    private func startupSummary(watching: Bool) -> Logger.Metadata {
        let listenerList = listeners.map { "\($0.name)=\($0.mode.rawValue)@\($0.localAddress?.endpoint ?? "?")" }
        return [
            "version": "\(SwitchyardVersion.current)",
            "listeners": "\(listenerList.joined(separator: " "))",
            "admin": "\(config.admin.listen)",
            "config": "\(configFile ?? "(embedded default and options)")",
            "watch": "\(watching)",
        ]
    }
}

/// Ties the runtime's shutdown to the service group's graceful-shutdown signal.
private struct RuntimeService: Service {
    let runtime: SwitchyardRuntime
    let notifier: ServiceManagerNotifier

    func run() async throws {
        try? await gracefulShutdown()
        notifier.stopping()
        await runtime.shutdown()
    }
}
