// swift-tools-version:5.10
import Foundation
import PackageDescription

/// The daemon's modules skip Swift's run-time exclusivity checks in release builds: they cost
/// about 4% of the daemon's CPU at 32×64 (BENCHMARKS.md, eleventh session). Debug builds,
/// which the test suite runs, keep them, so a violation still fails there; so do the fuzzers'
/// release builds (scripts/fuzz sets GONGKAI_EXCLUSIVITY_CHECKS).
let releaseSettings: [SwiftSetting] = ProcessInfo.processInfo.environment["GONGKAI_EXCLUSIVITY_CHECKS"] != nil
    ? [] : [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "gongkai",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "gongkaid", targets: ["gongkaid"]),
        .executable(name: "gongkai", targets: ["gongkai"]),
        .executable(name: "gongkai-bench", targets: ["gongkai-bench"]),
        .executable(name: "gongkai-storage-bench", targets: ["gongkai-storage-bench"]),
        // The pure modules, for the fuzz package in Fuzz/ (which depends on this one by path).
        .library(name: "GongkaiPure", targets: ["GongkaiJSON", "GongkaiProtocol", "GongkaiDomain", "GongkaiProjections"]),
        // The ledger's storage, for the fuzz package's append-log target (links the system's liblmdb).
        .library(name: "GongkaiStorage", targets: ["GongkaiStorage"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // Debian's liblmdb-dev, found through pkg-config.
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),

        // Pure: JSON parsing and RFC 8785 canonical encoding.
        .target(name: "GongkaiJSON", swiftSettings: releaseSettings),
        // Pure: RFC 6962 Merkle tree hashing and proofs.
        .target(name: "GongkaiMerkle", dependencies: [.product(name: "Crypto", package: "swift-crypto")], swiftSettings: releaseSettings),
        // Pure: C2SP signed-note checkpoints over the Merkle head, Ed25519 keys.
        .target(name: "GongkaiCheckpoint", dependencies: ["GongkaiMerkle", .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: releaseSettings),
        // Pure: the line protocol (requests, answers, limits) and event envelope checks.
        .target(name: "GongkaiProtocol", dependencies: ["GongkaiJSON"], swiftSettings: releaseSettings),
        // Pure: the notice's rules as data — catalog, working-day calendar, typed events, validation.
        .target(name: "GongkaiDomain", dependencies: ["GongkaiJSON", "GongkaiProtocol"], swiftSettings: releaseSettings),
        // Pure: records folded into compliance, inquiries, escalation and bulletins.
        .target(name: "GongkaiProjections", dependencies: ["GongkaiDomain", "GongkaiJSON", "GongkaiProtocol"], swiftSettings: releaseSettings),
        // I/O edge: the LMDB environment, append-only log, id index, Merkle nodes.
        .target(name: "GongkaiStorage", dependencies: [
            "CLMDB", "GongkaiJSON", "GongkaiMerkle",
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: releaseSettings),
        // I/O edge: SwiftNIO socket server, group-commit writer, TAIL, sd_notify.
        .target(name: "GongkaiServer", dependencies: [
            "GongkaiStorage", "GongkaiProtocol", "GongkaiJSON", "GongkaiMerkle", "GongkaiDomain", "GongkaiProjections", "GongkaiCheckpoint",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: releaseSettings),
        // Blocking line-protocol client shared by the CLI, the benchmark and the tests.
        .target(name: "GongkaiClient", dependencies: ["GongkaiJSON"]),
        // The daemon allocates with jemalloc (Debian's libjemalloc-dev): glibc's malloc spent
        // about a sixth of the daemon's CPU at 32×64, most of it freeing on one thread what
        // another allocated (BENCHMARKS.md, sixth session).
        .executableTarget(name: "gongkaid", dependencies: [
            "GongkaiServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: releaseSettings, linkerSettings: [.linkedLibrary("jemalloc")]),
        .executableTarget(name: "gongkai", dependencies: [
            "GongkaiClient", "GongkaiJSON", "GongkaiDomain", "GongkaiCheckpoint",
            "GongkaiStorage", "GongkaiMerkle", "GongkaiProjections",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "gongkai-bench", dependencies: [
            "GongkaiClient", "GongkaiJSON",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The storage limit for scripts/bench: the same records straight into LMDB.
        .executableTarget(name: "gongkai-storage-bench", dependencies: [
            "GongkaiStorage", "GongkaiJSON",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "GongkaiJSONTests", dependencies: ["GongkaiJSON"]),
        .testTarget(name: "GongkaiMerkleTests", dependencies: ["GongkaiMerkle"]),
        .testTarget(name: "GongkaiCheckpointTests", dependencies: ["GongkaiCheckpoint", "GongkaiMerkle"]),
        .testTarget(name: "GongkaiProtocolTests", dependencies: ["GongkaiProtocol", "GongkaiJSON"]),
        .testTarget(name: "GongkaiDomainTests", dependencies: ["GongkaiDomain", "GongkaiJSON", "GongkaiProtocol"]),
        .testTarget(name: "GongkaiProjectionsTests", dependencies: ["GongkaiProjections", "GongkaiDomain", "GongkaiJSON", "GongkaiProtocol"]),
        .testTarget(name: "GongkaiStorageTests", dependencies: ["GongkaiStorage", "GongkaiMerkle", "GongkaiJSON", "CLMDB"]),
        .testTarget(name: "GongkaiServerTests", dependencies: ["GongkaiServer", .product(name: "NIOEmbedded", package: "swift-nio")]),
        .testTarget(name: "GongkaiIntegrationTests", dependencies: [
            "GongkaiClient", "GongkaiJSON", "GongkaiMerkle", "CLMDB", "GongkaiCheckpoint",
        ]),
    ]
)
