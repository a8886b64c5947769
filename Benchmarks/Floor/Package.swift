// swift-tools-version: 6.1
import PackageDescription

// The least a Switchyard-shaped process holds in memory: a YAML config read with Yams (which links Foundation), one
// NIO event loop and one HTTP/1 listener. Its idle RSS is the floor the README's goals table compares with:
//   swift build -c release [--static-swift-stdlib] && .build/release/floor & grep VmRSS /proc/$!/status
// the floor of a short tunnel (see main.swift): .build/release/floor relay 18400 18081
// and of an HTTP-aware proxy: .build/release/floor http 18401 18081

let package = Package(
    name: "floor",
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        .executableTarget(
            name: "floor",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ]
        )
    ],
    // A measuring tool of a few lines, written as NIO's examples are; Swift 6's data-race checks would only add
    // ceremony here.
    swiftLanguageModes: [.v5]
)
