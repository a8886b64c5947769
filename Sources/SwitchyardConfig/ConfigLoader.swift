import Yams

/// Loads a `SwitchyardConfig` and checks it, reporting every problem at once, each pointed at the YAML line or the
/// flag or environment variable it came from.
///
/// Precedence, highest first: command-line flags, environment variables, the YAML file, built-in defaults.
public enum ConfigLoader {
    /// The config in `yaml`, validated; `file` names the text in issues.
    public static func parse(yaml: String, file: String?) throws(ConfigErrors) -> SwitchyardConfig {
        try finish(try decode(yaml: yaml, file: file), file: file)
    }

    /// A config sent to replace `current` (the admin API's `PUT /api/v1/config`): like `parse`, except that each
    /// redacted placeholder stands for the secret `current` has in its place (see `RedactedSecrets`).
    public static func parse(yaml: String, replacing current: SwitchyardConfig) throws(ConfigErrors) -> SwitchyardConfig {
        var decoded = try decode(yaml: yaml, file: nil)
        let (restored, issues) = RedactedSecrets.restore(decoded.config, from: current)
        decoded.config = restored
        decoded.issues += issues.map { decoded.sourceMap.locate($0, file: nil) }
        decoded.failedPaths += issues.map(\.path)
        return try finish(decoded, file: nil)
    }

    /// The whole precedence chain: defaults < file (if any) < env flat options < CLI flat options, then validate.
    /// Without a file the flat options adjust `SwitchyardConfig.embeddedDefault`.
    public static func resolve(
        file: String?, flags: FlatOptions, environment: [String: String]
    ) throws(ConfigErrors) -> SwitchyardConfig {
        var decoded = DecodedConfig(config: .embeddedDefault)
        if let file { decoded = try decode(yaml: try ConfigFile.read(file), file: file) }
        var applier = FlatOptionsApplier(config: decoded.config, sourceMap: decoded.sourceMap)
        applier.apply(flags: flags, environment: .fromEnvironment(environment))
        decoded.config = applier.config
        decoded.sourceMap = applier.sourceMap
        return try finish(decoded, file: file, optionIssues: applier.issues)
    }

    /// The document's config and shape problems; a YAML syntax error stops here, as nothing after it can be read.
    private static func decode(yaml: String, file: String?) throws(ConfigErrors) -> DecodedConfig {
        ConfigDecoder.decode(try compose(yaml: yaml, file: file), file: file)
    }

    /// The node tree of a YAML (or JSON) document; a syntax error is an issue with its line.
    static func compose(yaml: String, file: String?) throws(ConfigErrors) -> Node? {
        do {
            return try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigErrors(issues: [syntaxIssue(error, yaml: yaml, file: file)])
        }
    }

    /// Validates the merged config and throws every problem found on the way, or returns the config.
    private static func finish(
        _ decoded: DecodedConfig, file: String?, optionIssues: [ConfigIssue] = []
    ) throws(ConfigErrors) -> SwitchyardConfig {
        let ruleIssues = ConfigValidator.issues(in: decoded.config)
            .filter { issue in !decoded.failedPaths.contains { ConfigPath.isWithin(issue.path, $0) } }
            .map { decoded.sourceMap.locate($0, file: file) }
        let issues = decoded.issues + optionIssues + ruleIssues
        guard issues.isEmpty else { throw ConfigErrors(issues: issues) }
        return decoded.config
    }

    private static func syntaxIssue(_ error: any Error, yaml: String, file: String?) -> ConfigIssue {
        let issue = { (line: Int?, message: String) in
            ConfigIssue(path: "", line: line, file: file, message: "invalid YAML: \(message)")
        }
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return issue(mark.line, problem + (context.map { " (\($0.text))" } ?? ""))
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return issue(context.mark.line, "duplicate key \(keys) in a mapping")
        case .reader(let problem, let offset, _, _):
            let line = offset.map { offset in yaml.prefix(offset).count(where: { $0 == "\n" }) + 1 }
            return issue(line, problem)
        default:
            return issue(nil, "\(error)")
        }
    }
}
