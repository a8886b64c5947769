// swift-tools-version: 5.4
import PackageDescription

// libFuzzer targets, kept out of the root package so `swift test` there never builds them. Build and run them with
// `scripts/fuzz.sh TARGET SECONDS` from the repository root; the seed corpus of each is in Corpus/TARGET.
//
// Tools version 5.4 on purpose: from 5.5 on, SwiftPM renames an executable's entry point to `<module>_main` and links
// `main` to it, which a target whose `main` comes from libFuzzer (`-sanitize=fuzzer`) does not have.
// The root package is named explicitly so its identity does not depend on the name of the clone's directory.
let package = Package(
    name: "switchyard-fuzz",
    dependencies: [
        .package(name: "switchyard", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .target(
            name: "FuzzSupport",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            path: "Support"
        ),
        .executableTarget(
            name: "config",
            dependencies: [.product(name: "SwitchyardConfig", package: "switchyard")],
            path: "Targets/config"
        ),
        .executableTarget(
            name: "request-head",
            dependencies: [
                "FuzzSupport",
                .product(name: "SwitchyardProxy", package: "switchyard"),
                .product(name: "SwitchyardBalancing", package: "switchyard"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Targets/request-head"
        ),
        .executableTarget(
            name: "socks5",
            dependencies: [
                "FuzzSupport",
                .product(name: "SwitchyardProxy", package: "switchyard"),
                .product(name: "SwitchyardBalancing", package: "switchyard"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Targets/socks5"
        ),
        .executableTarget(
            name: "state-machine",
            dependencies: [.product(name: "SwitchyardProxy", package: "switchyard")],
            path: "Targets/state-machine"
        ),
        .executableTarget(
            name: "admin-body",
            dependencies: [.product(name: "SwitchyardAdmin", package: "switchyard")],
            path: "Targets/admin-body"
        ),
    ]
)
