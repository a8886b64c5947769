// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "switchyard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "switchyard", targets: ["switchyard"]),
        // The pure balancing layer, for the benchmark package in Benchmarks/.
        .library(name: "SwitchyardBalancing", targets: ["SwitchyardBalancing", "SwitchyardTraffic"]),
        // The config loader, the proxy pipeline and the admin API's body readers, for the fuzz targets in Fuzz/.
        .library(name: "SwitchyardConfig", targets: ["SwitchyardConfig"]),
        .library(name: "SwitchyardProxy", targets: ["SwitchyardProxy"]),
        .library(name: "SwitchyardAdmin", targets: ["SwitchyardAdmin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        // Pure layers: no NIO, testable and benchmarkable alone.
        .target(
            name: "SwitchyardConfig",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "SwitchyardTraffic",
            dependencies: [
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .target(
            name: "SwitchyardBalancing",
            dependencies: [
                "SwitchyardTraffic",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        // The NIO data path.
        .target(
            name: "SwitchyardStats",
            dependencies: ["SwitchyardTraffic", .product(name: "Histogram", package: "hdrhistogram-swift")]
        ),
        .target(
            name: "SwitchyardProxy",
            dependencies: [
                "SwitchyardBalancing", "SwitchyardTraffic", "SwitchyardStats",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOSOCKS", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Builds listeners and pools from a config and runs them as services.
        .target(
            name: "SwitchyardAdmin",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.embedInCode("Resources/dashboard.html"), .embedInCode("Resources/openapi.yaml")]
        ),
        // glibc's malloc_trim and mallinfo2 for SwitchyardRuntime's MemoryTrimmer.
        .target(name: "CSwitchyardMalloc"),
        .target(
            name: "SwitchyardRuntime",
            dependencies: [
                "SwitchyardConfig", "SwitchyardProxy", "SwitchyardBalancing", "SwitchyardTraffic", "SwitchyardStats",
                "SwitchyardAdmin", "CSwitchyardMalloc",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "switchyard",
            dependencies: [
                "SwitchyardConfig", "SwitchyardRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SwitchyardConfigTests",
            dependencies: ["SwitchyardConfig"]
        ),
        .testTarget(
            name: "SwitchyardTrafficTests",
            dependencies: ["SwitchyardTraffic"]
        ),
        .testTarget(
            name: "SwitchyardAdminTests",
            dependencies: [
                "SwitchyardAdmin",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SwitchyardStatsTests",
            dependencies: ["SwitchyardStats", "SwitchyardTraffic"]
        ),
        .testTarget(
            name: "SwitchyardBalancingTests",
            dependencies: ["SwitchyardBalancing", "SwitchyardTraffic"]
        ),
        .testTarget(
            name: "SwitchyardProxyTests",
            dependencies: [
                "SwitchyardConfig", "SwitchyardProxy", "SwitchyardRuntime", "SwitchyardBalancing", "SwitchyardAdmin",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]
        ),
    ]
)
