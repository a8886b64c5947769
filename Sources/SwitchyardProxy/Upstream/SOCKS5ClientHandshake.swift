import SwitchyardTraffic

/// The client side of a SOCKS5 handshake (RFC 1928) with optional username/password authentication (RFC 1929), as
/// a pure state machine: bytes in, bytes to send or an outcome out. NIOSOCKS' client offers only "no
/// authentication" and keeps its state machine internal, so the one handshake the proxy needs is written here.
///
/// A destination name is sent as a name (address type 3) for the upstream to resolve; it is never resolved locally.
/// Address literals are sent as addresses.
struct SOCKS5ClientHandshake {
    /// What the caller does next.
    enum Action: Equatable {
        /// Write these bytes to the upstream and wait for more.
        case send([UInt8])
        /// Wait for more bytes from the upstream.
        case waitForMore
        /// The tunnel to the destination is open; `leftover` bytes came from the destination after the reply.
        case established(leftover: [UInt8])
        /// The handshake failed; close the connection.
        case failed(Failure)
    }

    /// Why a handshake failed, as the client's 502 names it.
    enum Failure: Error, Equatable, CustomStringConvertible {
        /// The upstream accepted none of the offered authentication methods.
        case noAcceptableMethod
        /// The upstream refused the username and password.
        case credentialsRejected
        /// The upstream could not or would not connect to the destination (RFC 1928 reply code).
        case replied(UInt8)
        /// The upstream sent something that is not SOCKS5.
        case malformed(String)

        var description: String {
            switch self {
            case .noAcceptableMethod: "accepted none of the offered authentication methods"
            case .credentialsRejected: "rejected its credentials"
            case .replied(let code): "could not connect to the destination: \(Self.replyText(code))"
            case .malformed(let what): "sent an invalid SOCKS5 reply (\(what))"
            }
        }

        /// RFC 1928's text for a reply code.
        static func replyText(_ code: UInt8) -> String {
            switch code {
            case 0x01: "general SOCKS server failure"
            case 0x02: "connection not allowed by ruleset"
            case 0x03: "network unreachable"
            case 0x04: "host unreachable"
            case 0x05: "connection refused"
            case 0x06: "TTL expired"
            case 0x07: "command not supported"
            case 0x08: "address type not supported"
            default: "reply code \(code)"
            }
        }
    }

    private enum State {
        case initial
        case awaitingMethod
        case awaitingAuthentication
        case awaitingReply
        case done
    }

    private static let version: UInt8 = 0x05
    private static let noAuthentication: UInt8 = 0x00
    private static let usernamePassword: UInt8 = 0x02

    private let host: String
    private let port: Int
    private let credentials: (username: [UInt8], password: [UInt8])?
    private var state = State.initial
    private var buffer: [UInt8] = []

    /// - Parameters:
    ///   - credentials: username and password (each at most 255 bytes) to offer RFC 1929 authentication; nil offers
    ///     only "no authentication".
    init(host: String, port: Int, credentials: (username: String, password: String)?) {
        self.host = host
        self.port = port
        self.credentials = credentials.map { (Array($0.username.utf8.prefix(255)), Array($0.password.utf8.prefix(255))) }
    }

    /// The greeting to send once connected.
    mutating func start() -> [UInt8] {
        precondition(state == .initial, "the handshake starts once")
        state = .awaitingMethod
        let methods = credentials == nil ? [Self.noAuthentication] : [Self.noAuthentication, Self.usernamePassword]
        return [Self.version, UInt8(methods.count)] + methods
    }

    /// Takes bytes received from the upstream and says what to do next.
    mutating func receive(_ bytes: some Collection<UInt8>) -> Action {
        buffer.append(contentsOf: bytes)
        switch state {
        case .initial, .done:
            return .waitForMore
        case .awaitingMethod:
            guard buffer.count >= 2 else { return .waitForMore }
            let (replyVersion, method) = (buffer[0], buffer[1])
            buffer.removeFirst(2)
            guard replyVersion == Self.version else { return fail(.malformed("version \(replyVersion)")) }
            switch method {
            case Self.noAuthentication:
                return sendRequest()
            case Self.usernamePassword:
                guard let credentials else { return fail(.noAcceptableMethod) }
                state = .awaitingAuthentication
                let request = [0x01, UInt8(credentials.username.count)] + credentials.username
                    + [UInt8(credentials.password.count)] + credentials.password
                return buffer.isEmpty ? .send(request) : fail(.malformed("bytes before the authentication reply"))
            default:
                return fail(.noAcceptableMethod)
            }
        case .awaitingAuthentication:
            guard buffer.count >= 2 else { return .waitForMore }
            let status = buffer[1]
            buffer.removeFirst(2)
            guard status == 0x00 else { return fail(.credentialsRejected) }
            return sendRequest()
        case .awaitingReply:
            return readReply()
        }
    }

    private mutating func sendRequest() -> Action {
        guard buffer.isEmpty else { return fail(.malformed("bytes before the connect reply")) }
        state = .awaitingReply
        var request: [UInt8] = [Self.version, 0x01, 0x00]
        if let address = IPAddress(host) {
            request += [address.family == .v4 ? 0x01 : 0x04] + address.bytes
        } else {
            let name = Array(host.utf8.prefix(255))
            request += [0x03, UInt8(name.count)] + name
        }
        request += [UInt8(truncatingIfNeeded: port >> 8), UInt8(truncatingIfNeeded: port)]
        return .send(request)
    }

    /// Reads `VER REP RSV ATYP BND.ADDR BND.PORT` once it is all there.
    private mutating func readReply() -> Action {
        guard buffer.count >= 2 else { return .waitForMore }
        guard buffer[0] == Self.version else { return fail(.malformed("version \(buffer[0])")) }
        guard buffer[1] == 0x00 else { return fail(.replied(buffer[1])) }
        guard buffer.count >= 5 else { return .waitForMore }
        let addressLength: Int
        switch buffer[3] {
        case 0x01: addressLength = 4
        case 0x04: addressLength = 16
        case 0x03: addressLength = 1 + Int(buffer[4])
        default: return fail(.malformed("address type \(buffer[3])"))
        }
        let length = 4 + addressLength + 2
        guard buffer.count >= length else { return .waitForMore }
        state = .done
        let leftover = Array(buffer[length...])
        buffer = []
        return .established(leftover: leftover)
    }

    private mutating func fail(_ failure: Failure) -> Action {
        state = .done
        buffer = []
        return .failed(failure)
    }
}
