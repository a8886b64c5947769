import SwitchyardAdmin
import SwitchyardConfig

extension TargetSpec {
    /// The config of a target the admin API adds: weight 1 unless given.
    var settings: TargetSettings {
        TargetSettings(sourceIP: sourceIP, url: url, weight: weight ?? 1, maxConnections: maxConnections)
    }
}
