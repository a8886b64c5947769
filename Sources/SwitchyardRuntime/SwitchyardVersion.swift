/// The release of this build, as `switchyard --version`, the startup line and `/stats` show it.
public enum SwitchyardVersion {
    public static let current = "0.5.0"
}
