import Foundation

/// Whether a schedule's `zone` names a time zone the system knows (`UTC`, `Europe/Paris`, ...).
enum TimeZoneName {
    static func isKnown(_ name: String) -> Bool {
        TimeZone(identifier: name) != nil
    }
}
