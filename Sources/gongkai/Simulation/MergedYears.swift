import GongkaiDomain

/// Several simulated years of one county, one per seed, interleaved by date: the same units,
/// rules and calendar with N times the activity, for load tests that need a million events.
///
/// The years never collide: event ids and inquiry ids both carry the seed. Only the 约谈 need
/// care. Once a unit has been interviewed it stays `interviewed` for the catalog's year, and
/// the daemon refuses an interview that is not required; so a unit's interview is kept the
/// first time one comes up in date order and dropped after that. The first one is always
/// accepted: its own year's three county notices come before it and make it required.
enum MergedYears {
    /// The lines of every seed's year, ordered by date; within a day, by seed and then in
    /// the order each year made them, so every year's own order is kept.
    static func lines(_ years: [YearSimulation]) -> [String] {
        var dated: [(date: BusinessDate, year: Int, position: Int, line: SimulatedLine)] = []
        for (year, simulation) in years.enumerated() {
            for (position, line) in simulation.datedLines().enumerated() {
                dated.append((line.date, year, position, line))
            }
        }
        dated.sort { ($0.date, $0.year, $0.position) < ($1.date, $1.year, $1.position) }
        var interviewed = Set<String>()
        return dated.compactMap { entry in
            if entry.line.type == "interview.held" && !interviewed.insert(entry.line.unit).inserted { return nil }
            return entry.line.line
        }
    }
}
