/// How the running process is managed from outside: the PID file that `switchyard reload` and service managers use,
/// and whether the config file is watched for changes.
public struct ProcessSettings: Sendable, Equatable {
    /// Where the process writes its PID once its listeners are bound (removed on exit); nil writes none.
    public var pidFile: String?
    /// Re-read the config file whenever it changes (in place, renamed over, or a Kubernetes ConfigMap's `..data`
    /// symlink swap), as SIGHUP does.
    public var watch: Bool
    /// How often a watched file is checked; a change is applied once the file has stayed the same for one more
    /// check, so one save is one reload.
    public var watchInterval: Duration
    /// The open files limit (`RLIMIT_NOFILE`) set at start and on reload; nil (`auto`) raises it to the hard limit.
    public var maxOpenFiles: Int?

    public init(
        pidFile: String? = nil, watch: Bool = false, watchInterval: Duration = .seconds(1), maxOpenFiles: Int? = nil
    ) {
        self.pidFile = pidFile
        self.watch = watch
        self.watchInterval = watchInterval
        self.maxOpenFiles = maxOpenFiles
    }

    /// No PID file, no watching, a 1s watch interval, the open files limit raised to the hard limit.
    public static let `default` = ProcessSettings()
}
