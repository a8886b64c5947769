import NIOCore
import SwitchyardConfig
import SwitchyardTraffic

/// Translation of a `destinations` block into the pure policy that enforces it.
extension DestinationSettings {
    /// The policy of these settings, refusing `selfEndpoints` (the process's own addresses). Validation has
    /// checked every CIDR, so none is dropped here.
    func policy(selfEndpoints: SelfEndpoints) -> DestinationPolicy {
        DestinationPolicy(
            allowPrivate: allowPrivate,
            rules: rules.enumerated().map { index, rule in
                DestinationPolicy.Rule(
                    name: rule.name ?? "rules[\(index)]",
                    action: rule.action == .allow ? .allow : .deny,
                    hosts: rule.hosts.map(DestinationPolicy.HostPattern.init),
                    networks: rule.cidrs.compactMap(IPNetwork.init),
                    ports: rule.ports.map { $0.lower...$0.upper },
                    methods: rule.methods.map { $0 == .connect ? .connect : .plain },
                    users: rule.users)
            },
            selfEndpoints: selfEndpoints)
    }
}

extension SelfEndpoints {
    /// Records a configured listening address: an address literal, or `localhost` as both loopback addresses.
    /// Other host names and port 0 are recorded once bound, from the socket.
    func add(_ listen: ListenAddress) {
        guard listen.port != 0 else { return }
        let hosts = listen.host == "localhost" ? ["127.0.0.1", "::1"] : [listen.host]
        for address in hosts.compactMap(IPAddress.init) { add(address, port: listen.port) }
    }

    /// Records a bound socket's address.
    func add(_ address: SocketAddress?) {
        guard let address, let port = address.port, let ip = address.ipAddress.flatMap(IPAddress.init) else { return }
        add(ip, port: port)
    }

    /// Records the machine's interface addresses (a wildcard listener is reached through each); none when they
    /// cannot be listed.
    func addInterfaceAddresses() {
        let devices = (try? System.enumerateDevices()) ?? []
        addLocalAddresses(devices.compactMap { $0.address?.ipAddress.flatMap(IPAddress.init) })
    }
}
