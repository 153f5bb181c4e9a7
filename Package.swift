// swift-tools-version: 6.2
import PackageDescription

let strict: [SwiftSetting] = [.treatAllWarnings(as: .error)]

/// How the `pipette` executable is linked (BENCHMARKS.md, "Issue 14, row 3"): with lld, its
/// relative relocations packed (DT_RELR: 25 KB read at start instead of 3 MB; glibc 2.36 or
/// later runs it), and its own symbols not exported (the dynamic loader searched 40,000 of them
/// for every symbol of libnats, libarchive and their libraries). Each process starts faster and
/// holds about 8 MB less.
let lean: [LinkerSetting] = [
    .unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xlinker", "--no-export-dynamic"],
                 .when(platforms: [.linux])),
]

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
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // C libraries: only their Swift owners import them. libnats and libarchive are opened on
        // first use, not linked (CLazyLibrary): a process that uses neither never loads them.
        .target(name: "CLazyLibrary"),
        .target(name: "CNATS", dependencies: ["CLazyLibrary"]),
        .target(name: "CArchive", dependencies: ["CLazyLibrary"]),
        // GNU extensions of glibc for starting processes (Swift's Glibc module lacks them).
        .target(name: "CSpawn"),

        // Thin Swift owners of the C pointers.
        .target(name: "Archive", dependencies: [
            "CArchive", .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: strict),

        .target(name: "NATS", dependencies: [
            "CNATS", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),

        // The domain: plain values, no I/O.
        .target(name: "PipetteCore", dependencies: [.product(name: "Crypto", package: "swift-crypto")], swiftSettings: strict),

        // Running things: processes and runc containers.
        .target(name: "Container", dependencies: [
            "CSpawn", "PipetteCore", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),

        // Stacks on disk, local staging, running droplets.
        .target(name: "Staging", dependencies: [
            "Archive", "Container", "PipetteCore", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),

        // HTTP transfers shared by services: streamed downloads with limits, uploads, multipart.
        .target(name: "Transfer", dependencies: [
            "Archive",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ], swiftSettings: strict),

        // Services: each talks to the others over NATS or HTTP only.
        .target(name: "HTTPServing", dependencies: [
            "PipetteCore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: strict),
        .target(name: "Blobstore", dependencies: [
            "Archive", "PipetteCore", "HTTPServing",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: strict),
        .target(name: "FakeCC", dependencies: [
            "Archive", "HTTPServing",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Hummingbird", package: "hummingbird"),
        ], swiftSettings: strict),
        .target(name: "Stager", dependencies: [
            "NATS", "PipetteCore", "Staging", "Container", "Transfer", "Archive",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
        ], swiftSettings: strict),

        .target(name: "Cell", dependencies: [
            "NATS", "PipetteCore", "Staging", "Transfer", "Archive", "Container", "CSpawn",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
        ], swiftSettings: strict),
        // Apps' desired state (JetStream KV): what push records and the converger will read.
        .target(name: "Apps", dependencies: ["NATS", "PipetteCore"], swiftSettings: strict),

        // The router: follows router.register on NATS and drives HAProxy through its runtime API.
        .target(name: "Router", dependencies: [
            "NATS", "PipetteCore", "Container",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),

        .target(name: "Auctioneer", dependencies: [
            "NATS", "PipetteCore", "Apps",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),

        .executableTarget(name: "pipette", dependencies: [
            "Staging", "Archive", "Container", "PipetteCore", "NATS", "Stager", "Cell", "Auctioneer", "Router", "Blobstore", "FakeCC",
            "HTTPServing", "Transfer", "Apps",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict, linkerSettings: lean),

        .executableTarget(name: "pipette-bench", dependencies: [
            "Archive", "Container", "PipetteCore", "Transfer", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ], path: "Benchmarks/PipetteBench", swiftSettings: strict),

        .target(name: "TestSupport", dependencies: [
            "PipetteCore", "NATS", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "ArchiveTests", dependencies: ["Archive", "CLazyLibrary", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "CoreTests", dependencies: ["PipetteCore"], swiftSettings: strict),
        .testTarget(name: "ContainerTests", dependencies: ["Container", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "LifecycleTests", dependencies: ["TestSupport"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "NATSTests", dependencies: ["NATS", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ServiceTests", dependencies: [
            "Blobstore", "FakeCC", "HTTPServing", "Transfer", "PipetteCore", "Archive", "TestSupport",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ], swiftSettings: strict),
        .testTarget(name: "StagerTests", dependencies: [
            "Stager", "Apps", "Cell", "Auctioneer", "NATS", "FakeCC", "Blobstore", "Transfer", "PipetteCore", "Staging", "Archive",
            "TestSupport",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "CellTests", dependencies: [
            "Cell", "Staging", "PipetteCore", "NATS", "Archive", "TestSupport", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .testTarget(name: "AuctioneerTests", dependencies: [
            "Auctioneer", "Apps", "PipetteCore", "NATS", "TestSupport", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .testTarget(name: "RouterTests", dependencies: [
            "Router", "PipetteCore", "NATS", "TestSupport", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .testTarget(name: "CLITests", dependencies: [
            "pipette", "NATS", "PipetteCore", "TestSupport", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: strict),
        .testTarget(name: "AppTests", dependencies: ["PipetteCore", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "StagingTests", dependencies: ["Staging", "Archive", "TestSupport"], exclude: ["Fixtures"], swiftSettings: strict),
    ]
)
