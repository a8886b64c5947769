#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import NIOCore
import NIOSSL
import Synchronization

/// The TLS context of one listener, re-read from its certificate, key and client-CA files whenever they change.
///
/// Each new connection takes the current context; connections already open keep the one they started with, so a
/// certificate rotation drops nothing. A change that does not load (half-written file, key not matching) keeps
/// the previous context and is logged.
public final class TLSContextSource: Sendable {
    /// Where the listener's TLS material lives and whether clients must authenticate.
    public struct Files: Sendable {
        public var certificateChain: String
        public var privateKey: String
        public var clientCA: String?
        public var clientAuth: ClientCertificates

        public init(certificateChain: String, privateKey: String, clientCA: String?, clientAuth: ClientCertificates) {
            self.certificateChain = certificateChain
            self.privateKey = privateKey
            self.clientCA = clientCA
            self.clientAuth = clientAuth
        }
    }

    /// Whether a TLS listener asks clients for certificates.
    public enum ClientCertificates: Sendable {
        case none, optional, require
    }

    private let files: Files
    private let logger: Logger
    private let state: Mutex<(context: NIOSSLContext, stamp: [Int])>

    /// Loads the files once; throws when they cannot be used, so a bad config fails at startup.
    public init(files: Files, logger: Logger) throws {
        self.files = files
        self.logger = logger
        self.state = Mutex((try Self.makeContext(files), Self.stamp(files)))
    }

    /// The context for a new connection.
    var current: NIOSSLContext {
        state.withLock { $0.context }
    }

    /// Re-reads the files if any changed since the last load.
    public func reloadIfChanged() {
        let stamp = Self.stamp(files)
        guard stamp != state.withLock({ $0.stamp }) else { return }
        do {
            let context = try Self.makeContext(files)
            state.withLock { $0 = (context, stamp) }
            logger.info("TLS certificate reloaded", metadata: ["cert": "\(files.certificateChain)"])
        } catch {
            state.withLock { $0.stamp = stamp }
            logger.error(
                "TLS certificate reload failed; keeping the previous one",
                metadata: ["cert": "\(files.certificateChain)", "error": "\(error)"]
            )
        }
    }

    /// Checks the files every `interval` on `eventLoop` until the returned task is cancelled.
    public func watch(every interval: TimeAmount, on eventLoop: any EventLoop) -> RepeatedTask {
        eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in self.reloadIfChanged() }
    }

    private static func makeContext(_ files: Files) throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(files.certificateChain).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: files.privateKey, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        if let clientCA = files.clientCA {
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(clientCA))
        }
        switch files.clientAuth {
        case .none: configuration.certificateVerification = .none
        case .optional: configuration.certificateVerification = .optionalVerification
        case .require: configuration.certificateVerification = .noHostnameVerification
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// Modification time and size of each file: what changes when a file is replaced or rewritten.
    private static func stamp(_ files: Files) -> [Int] {
        [files.certificateChain, files.privateKey, files.clientCA].compactMap { $0 }.flatMap { path -> [Int] in
            var info = stat()
            guard stat(path, &info) == 0 else { return [-1, -1, -1] }
            return [Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec), Int(info.st_size)]
        }
    }
}
