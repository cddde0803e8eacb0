// swift-tools-version:5.10
// libFuzzer targets for the pure modules and the append log's reader, kept out of the main package because every module
// they reach must be built with `-sanitize=fuzzer`. Build and run them with `scripts/fuzz`.
import PackageDescription

let pure: Target.Dependency = .product(name: "GongkaiPure", package: "gongkai")
let storage: Target.Dependency = .product(name: "GongkaiStorage", package: "gongkai")
// No `main`: libFuzzer's own main calls `LLVMFuzzerTestOneInput`.
let fuzzerSettings: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "gongkai-fuzz",
    dependencies: [
        .package(name: "gongkai", path: ".."),
    ],
    targets: [
        // The seeded ledger and the APPEND pipeline that fuzz-event and fuzz-query share.
        .target(name: "FuzzLedger", dependencies: [pure]),
        // One request line: Request.parse, its error answers, and a re-rendered line.
        .executableTarget(name: "fuzz-request", dependencies: [pure], swiftSettings: fuzzerSettings),
        // Lines of events: strict JSON, canonical form, envelope, domain decoding, validation
        // against the bundled catalog and calendars, folding into the facts and undoing it.
        .executableTarget(name: "fuzz-event", dependencies: ["FuzzLedger"], swiftSettings: fuzzerSettings),
        // The same, then the query verbs on the ledger the events built.
        .executableTarget(name: "fuzz-query", dependencies: ["FuzzLedger", pure], swiftSettings: fuzzerSettings),
        // A file as the append log: opening it (its end, torn tails, damage), reading its
        // frames, cutting a torn tail; well-formed logs built from the input, cut or changed.
        .executableTarget(name: "fuzz-log", dependencies: ["FuzzLedger", storage], swiftSettings: fuzzerSettings),
    ]
)
