import SwitchyardAdmin

/// libFuzzer's entry: the bytes as the JSON body of each admin API request that has one, read by the same functions
/// the routes use (targets, patches, log level, keys, config rollback, rollouts). A refusal is the expected outcome; a
/// crash, a refusal that names no problem, or an accepted body that breaks what its reader promises is a finding. (The YAML body of `PUT /api/v1/config` is the `config` target's.)
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Array(UnsafeBufferPointer(start: data, count: size))
    if let spec = read(body, with: AdminBody.targetSpec) {
        let address = [spec.url, spec.sourceIP].compactMap { $0 }
        if address.count != 1 || address[0].isEmpty { fatalError("a target without exactly one address: \(spec)") }
        if let weight = spec.weight, weight < 0 { fatalError("a negative weight: \(spec)") }
        if let limit = spec.maxConnections, limit < 1 { fatalError("a connection limit below 1: \(spec)") }
    }
    if let patch = read(body, with: AdminBody.targetPatch) {
        if patch.weight == nil, patch.enabled == nil, patch.draining == nil { fatalError("an empty patch") }
        if let weight = patch.weight, weight < 0 { fatalError("a negative weight: \(patch)") }
    }
    _ = read(body, with: AdminBody.logLevel)
    if let keys = read(body, with: AdminBody.keys) {
        if keys.adminKeys.isEmpty { fatalError("no admin key left: \(keys)") }
        if (keys.apiKeys + keys.adminKeys).contains(where: \.isEmpty) { fatalError("an empty key: \(keys)") }
    }
    if let asked = read(body, with: AdminBody.rollback), let version = asked, version < 1 {
        fatalError("a version below 1: \(version)")
    }
    if let rollout = read(body, with: AdminBody.rollout) {
        if rollout.pool.isEmpty || rollout.targets.isEmpty { fatalError("a rollout without a pool or targets: \(rollout)") }
        if !(0.1...86_400).contains(rollout.intervalSeconds) || !(0...1).contains(rollout.maxErrorRate) {
            fatalError("an interval or error rate out of range: \(rollout)")
        }
        switch rollout.strategy {
        case .batch(let size) where size < 1: fatalError("a batch below 1: \(rollout)")
        case .weight(let percent) where !(1...100).contains(percent): fatalError("a weight step out of range: \(rollout)")
        default: break
        }
    }
    return 0
}

/// What `reader` makes of `body`; nil when it refuses it, which it must do naming at least one problem.
func read<T>(_ body: [UInt8], with reader: ([UInt8]) throws(AdminBody.Failure) -> T) -> T? {
    do {
        return try reader(body)
    } catch {
        if case .invalid(let problems) = error, problems.isEmpty { fatalError("refused without a problem") }
        return nil
    }
}
