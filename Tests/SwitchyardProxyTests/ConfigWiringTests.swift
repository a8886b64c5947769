import SwitchyardBalancing
import SwitchyardConfig
import Testing

/// The config layer and the balancer agree on what exists.
struct ConfigWiringTests {
    @Test func configKnowsExactlyTheRegisteredPolicies() {
        #expect(PoolSettings.knownPolicies.sorted() == BalancingPolicyRegistry.names.sorted())
    }

    @Test func workersComeFromFileFlagOrEnvironment() throws {
        let yaml = """
            workers: 3
            listeners:
              - { name: egress, mode: forward, listen: "127.0.0.1:0", pool: p }
            pools:
              p: { targets: [ {} ] }
            """
        #expect(try ConfigLoader.parse(yaml: yaml, file: nil).workers == 3)
        let fromEnvironment = try ConfigLoader.resolve(file: nil, flags: FlatOptions(), environment: ["SWITCHYARD_WORKERS": "2"])
        #expect(fromEnvironment.workers == 2)
        let fromFlag = try ConfigLoader.resolve(
            file: nil, flags: FlatOptions(workers: "1"), environment: ["SWITCHYARD_WORKERS": "2"])
        #expect(fromFlag.workers == 1)
        #expect(throws: ConfigErrors.self) {
            try ConfigLoader.resolve(file: nil, flags: FlatOptions(workers: "-1"), environment: [:])
        }
    }
}
