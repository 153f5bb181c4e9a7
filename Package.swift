// swift-tools-version: 6.2
import PackageDescription

let strict: [SwiftSetting] = [.treatAllWarnings(as: .error)]

let package = Package(
    name: "pipette",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pipette", targets: ["pipette"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // C system libraries: only their Swift owners import them.
        .systemLibrary(name: "CNATS", pkgConfig: "libnats", providers: [.apt(["libnats-dev"])]),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),

        // Thin Swift owners of the C pointers.
        .target(name: "Archive", dependencies: [
            "CArchive", .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: strict),

        .target(name: "NATS", dependencies: ["CNATS"], swiftSettings: strict),

        // The domain: plain values, no I/O.
        .target(name: "PipetteCore", swiftSettings: strict),

        // Running things: processes and runc containers.
        .target(name: "Container", dependencies: [
            "PipetteCore", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),

        // Stacks on disk, local staging, running droplets.
        .target(name: "Staging", dependencies: [
            "Archive", "Container", "PipetteCore", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),

        .executableTarget(name: "pipette", dependencies: [
            "Staging", "Archive", "Container", "PipetteCore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),

        .executableTarget(name: "pipette-bench", dependencies: [
            "Archive", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Benchmarks/PipetteBench", swiftSettings: strict),

        .target(name: "TestSupport", dependencies: ["PipetteCore"], path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "ArchiveTests", dependencies: ["Archive", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "CoreTests", dependencies: ["PipetteCore"], swiftSettings: strict),
        .testTarget(name: "ContainerTests", dependencies: ["Container", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "LifecycleTests", dependencies: ["TestSupport"], swiftSettings: strict),
        .testTarget(name: "NATSTests", dependencies: ["NATS", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "CLITests", dependencies: ["TestSupport"], swiftSettings: strict),
        .testTarget(name: "StagingTests", dependencies: ["Staging", "Archive", "TestSupport"], swiftSettings: strict),
    ]
)
