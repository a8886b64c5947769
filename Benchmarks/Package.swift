// swift-tools-version: 6.1
import PackageDescription

// Benchmarks of the balancing policies, kept out of the root package so `swift test` there never builds them.
// Run from this directory: `swift package --disable-sandbox benchmark --grouping metric`.
// The root package is named explicitly so its identity does not depend on the name of the clone's directory.
let package = Package(
    name: "switchyard-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "switchyard", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "Policies",
            dependencies: [
                .product(name: "SwitchyardBalancing", package: "switchyard"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/Policies",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
