import Foundation

/// A throw-away PKI made with the openssl CLI for one test: a CA, server certificates for 127.0.0.1, and a
/// client certificate. Nothing is committed; the directory is removed by `remove()`.
struct TestCertificates {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-pki-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try openssl(
            """
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
              -subj "/CN=Switchyard Test CA" -keyout ca.key -out ca.pem
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > server.ext
            printf 'extendedKeyUsage=clientAuth\\n' > client.ext
            """)
        try issue(commonName: "client", into: "client", extensions: "client.ext")
    }

    var caPath: String { "\(directory)/ca.pem" }
    var clientCertificate: String { "\(directory)/client.pem" }
    var clientKey: String { "\(directory)/client.key" }

    /// A new PKI with a server certificate for 127.0.0.1 in `server.pem` / `server.key`.
    static func withServer(commonName: String = "server") throws -> TestCertificates {
        let pki = try TestCertificates()
        do {
            try pki.issueServer(commonName: commonName, into: "server")
        } catch {
            pki.remove()
            throw error
        }
        return pki
    }

    /// Issues a server certificate for 127.0.0.1 named `commonName` into `name.pem` / `name.key`.
    func issueServer(commonName: String, into name: String) throws {
        try issue(commonName: commonName, into: name, extensions: "server.ext")
    }

    /// Replaces `target.pem` / `target.key` with `source`'s, each by an atomic rename.
    func replace(_ target: String, with source: String) throws {
        try openssl("cp \(source).pem .next.pem && cp \(source).key .next.key && mv .next.key \(target).key && mv .next.pem \(target).pem")
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func issue(commonName: String, into name: String, extensions: String) throws {
        try openssl(
            """
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=\(commonName)" \
              -keyout \(name).key -out \(name).csr
            openssl x509 -req -in \(name).csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
              -extfile \(extensions) -out \(name).pem
            """)
    }

    private func openssl(_ script: String) throws {
        let result = try Subprocess.run("/bin/sh", ["-c", "set -e; cd \(directory); \(script)"])
        guard result.status == 0 else {
            throw SwitchyardProcess.Failure(description: "openssl failed: \(result.stderr)")
        }
    }
}
