import ArgumentParser
import Glibc

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a simulated year of events for every unit of the bundled catalog, as NDJSON.",
        discussion: """
            Deterministic: the same seed gives the same bytes. The events are ordered by date \
            and a daemon that adopted the bundled catalog and calendars accepts every one of \
            them in file order. Example: gongkai simulate --year 2023 --seed 7 | gongkai append
            With --seeds N the years of seeds seed…seed+N-1 are interleaved by date into one \
            stream (the same county with N times the activity; a unit's second interview is \
            left out), which the daemon also accepts in order: gongkai-bench --events-file uses it.
            """)

    @Option(name: .long, help: "The year to simulate; the bundled catalog's year (the default) is the only one with rules.")
    var year: Int?

    @Option(name: .long, help: "Seed of the generator.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Simulate this many years (seeds seed, seed+1, …) interleaved by date.")
    var seeds = 1

    @Option(name: .long, help: ArgumentHelp("Write to this file instead of standard output.", valueName: "path"))
    var output: String?

    /// Most years in one stream: 1,000 years of the bundled catalog are tens of millions of events.
    static let maxSeeds = 1_000

    func validate() throws {
        guard (1...Self.maxSeeds).contains(seeds) else { throw ValidationError("--seeds must be between 1 and \(Self.maxSeeds)") }
        guard seed <= UInt64.max - UInt64(seeds - 1) else { throw ValidationError("--seed plus --seeds overflows") }
    }

    func run() throws {
        let simulation: YearSimulation
        do {
            simulation = try YearSimulation.bundled(seed: seed)
        } catch {
            Output.note("error: the bundled catalog cannot be read: \(error)")
            throw ExitCode(1)
        }
        if let year, year != simulation.year {
            Output.note("error: the bundled catalog is for \(simulation.year); there are no rules to simulate \(year) with")
            throw ExitCode(1)
        }
        let lines = seeds == 1 ? simulation.lines()
            : MergedYears.lines((0..<UInt64(seeds)).map { YearSimulation(catalog: simulation.catalog, calendar: simulation.calendar, seed: seed + $0) })
        var text = lines.joined(separator: "\n")
        text.append("\n")
        let bytes = Array(text.utf8)
        guard let output else { return Output(readable: false).write(bytes) }
        guard let file = fopen(output, "wb") else {
            Output.note("error: cannot write \(output): \(String(cString: strerror(errno)))")
            throw ExitCode(1)
        }
        let written = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
        if fclose(file) != 0 || written != bytes.count {
            Output.note("error: writing \(output) failed: \(String(cString: strerror(errno)))")
            throw ExitCode(1)
        }
        Output.note("wrote \(bytes.filter { $0 == 0x0A }.count) events to \(output)")
    }
}
