import SwitchyardConfig

/// The config an admin `PUT /api/v1/config` replaces: one with a secret, so that the redacted placeholders in a sent
/// config have something to stand for.
let current = try! ConfigLoader.parse(
    yaml: """
        listeners:
          - { name: egress, mode: forward, listen: "127.0.0.1:3128", pool: out,
              auth: { users: [ { username: alice, password: "s3cret" } ] } }
        pools:
          out: { targets: [ { source_ip: "127.0.0.2" } ] }
        """,
    file: nil)

/// libFuzzer's entry: the bytes as a config file, loaded and validated as `switchyard run` and `check` load one, then
/// as the body of `PUT /api/v1/config`. A refusal is the expected outcome; a crash, a refusal that names no issue, or
/// a loaded config that does not render (as `GET /api/v1/config` does) and load back to itself is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    load(String(decoding: bytes, as: UTF8.self)) { yaml throws(ConfigErrors) in try ConfigLoader.parse(yaml: yaml, file: "fuzz.yaml") }
    if let yaml = String(validating: bytes, as: UTF8.self) {
        load(yaml) { yaml throws(ConfigErrors) in try ConfigLoader.parse(yaml: yaml, replacing: current) }
    }
    return 0
}

/// Loads `yaml` with `parse` and checks the outcome.
func load(_ yaml: String, with parse: (String) throws(ConfigErrors) -> SwitchyardConfig) {
    let config: SwitchyardConfig
    do {
        config = try parse(yaml)
    } catch {
        if error.issues.isEmpty { fatalError("refused without an issue") }
        return
    }
    roundTrip(config, config.rendered(redactingSecrets: false), "unredacted") { yaml throws(ConfigErrors) in
        try ConfigLoader.parse(yaml: yaml, file: "rendered.yaml")
    }
    roundTrip(config, config.rendered(), "redacted, sent back") { yaml throws(ConfigErrors) in
        try ConfigLoader.parse(yaml: yaml, replacing: config)
    }
}

/// Checks that `rendered`, loaded with `parse`, gives `config` again.
func roundTrip(
    _ config: SwitchyardConfig, _ rendered: String, _ how: String,
    with parse: (String) throws(ConfigErrors) -> SwitchyardConfig
) {
    do {
        let again = try parse(rendered)
        if again != config { fatalError("the \(how) rendering loads back to another config:\n\(rendered)") }
    } catch {
        fatalError("the \(how) rendering does not load back: \(error)\n\(rendered)")
    }
}
