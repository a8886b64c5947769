import Foundation
import Testing

/// The files operators deploy with — the systemd unit, the Dockerfile and the Kubernetes manifests — pass their own
/// linters, and the configs they ship pass `switchyard check`. The tools come from `scripts/test.sh` (systemd's
/// `systemd-analyze` from Debian; hadolint and kubernetes-validate from PyPI in `.build-venv/`).
@Suite(.timeLimit(.minutes(2)))
struct DeploymentFilesTests {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// A tool from the test virtualenv, else from `PATH`.
    private static func tool(_ name: String) -> String {
        let local = "\(root)/.build-venv/bin/\(name)"
        return FileManager.default.isExecutableFile(atPath: local) ? local : name
    }

    @Test func theSystemdUnitVerifiesWithoutAWarning() throws {
        // systemd checks that ExecStart's binary exists, so verify a copy that points at the one just built.
        let unit = try String(contentsOfFile: "\(Self.root)/deploy/systemd/switchyard.service", encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/switchyard", with: SwitchyardProcess.binaryPath)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-\(UUID().uuidString).service").path
        try unit.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let verified = try Subprocess.run("/usr/bin/env", ["systemd-analyze", "verify", path])
        #expect(verified.status == 0, "\(verified.stderr)")
        // Unknown keys and bad values are only warnings to systemd: none may mention the unit.
        #expect(!(verified.stdout + verified.stderr).contains(path), "\(verified.stderr)")
        #expect(unit.contains("Type=notify") && unit.contains("ExecReload=/bin/kill -HUP $MAINPID"))
    }

    @Test func theDockerfilePassesHadolint() throws {
        let linted = try Subprocess.run(Self.tool("hadolint"), ["\(Self.root)/Dockerfile"])
        #expect(linted.status == 0, "\(linted.stdout)\(linted.stderr)")
    }

    @Test func theKubernetesManifestsValidateStrictly() throws {
        let directory = "\(Self.root)/deploy/kubernetes"
        let manifests = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }
            .sorted().map { "\(directory)/\($0)" }
        #expect(manifests.count == 4)
        let validated = try Subprocess.run(Self.tool("kubernetes-validate"), ["--strict"] + manifests)
        #expect(validated.status == 0, "\(validated.stdout)\(validated.stderr)")
    }

    @Test func theShippedConfigsPassCheck() throws {
        var configs = ["deploy/docker/switchyard.yaml", "deploy/docker/compose-switchyard.yaml"]
            .map { "\(Self.root)/\($0)" }
        // The ConfigMap's config is the block under `switchyard.yaml: |`.
        let configMap = try String(contentsOfFile: "\(Self.root)/deploy/kubernetes/configmap.yaml", encoding: .utf8)
        let block = configMap.components(separatedBy: "switchyard.yaml: |\n")[1]
            .split(separator: "\n", omittingEmptySubsequences: false).map { $0.dropFirst(4) }.joined(separator: "\n")
        configs.append(try temporaryFile(block))
        defer { try? FileManager.default.removeItem(atPath: configs[2]) }
        for config in configs {
            let checked = try Subprocess.run(SwitchyardProcess.binaryPath, ["check", "--config", config])
            #expect(checked.status == 0 && checked.stdout.contains("# config OK"), "\(config): \(checked.stderr)")
        }
    }
}
