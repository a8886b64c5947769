import NIOCore

/// The client's username/password message of RFC 1929 (`VER=1 ULEN UNAME PLEN PASSWD`), read from the bytes a
/// SOCKS5 client sends once the server has chosen that method. The bytes may arrive in pieces: `parse` waits for
/// the whole message and never reads past it.
struct SOCKS5PasswordRequest: Equatable {
    var username: String
    var password: String

    /// The RFC 1929 sub-negotiation version.
    static let version: UInt8 = 0x01
    /// The server's answer: success is status 0, anything else a failure (and the connection closes).
    static func reply(succeeded: Bool) -> [UInt8] { [version, succeeded ? 0x00 : 0x01] }

    /// What the bytes so far amount to.
    enum Parse: Equatable {
        case incomplete
        case complete(SOCKS5PasswordRequest)
        /// Not an RFC 1929 message (a wrong version, or an empty name).
        case malformed
    }

    /// Reads a whole message from the front of `buffer`, consuming it; leaves `buffer` untouched otherwise.
    static func parse(_ buffer: inout ByteBuffer) -> Parse {
        var view = buffer
        guard let version = view.readInteger(as: UInt8.self) else { return .incomplete }
        guard version == Self.version else { return .malformed }
        guard let nameLength = view.readInteger(as: UInt8.self) else { return .incomplete }
        guard nameLength > 0 else { return .malformed }
        guard let name = view.readBytes(length: Int(nameLength)) else { return .incomplete }
        guard let passwordLength = view.readInteger(as: UInt8.self),
            let password = view.readBytes(length: Int(passwordLength))
        else { return .incomplete }
        buffer = view
        return .complete(
            SOCKS5PasswordRequest(
                username: String(decoding: name, as: UTF8.self), password: String(decoding: password, as: UTF8.self)))
    }
}
