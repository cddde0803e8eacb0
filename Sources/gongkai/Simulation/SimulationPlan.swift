import GongkaiDomain

/// The year's storyline, drawn before any unit's events: how diligent each unit is, which
/// units are chronically weak, and the notices (通报) and interview (约谈) aimed at them.
///
/// Escalation (三): the weakest unit is criticised in three county bulletins and then
/// interviewed (E1 → interviewed); the next has two county notices (watch); the third draws
/// a city and a provincial notice (E2 → interview-required, still pending at year end); one
/// more weak unit and one ordinary unit get a single county notice each.
struct SimulationPlan {
    /// A notice the county office (or the city or province) issues.
    struct Notice {
        let unit: String
        let date: BusinessDate
        let level: String
        let reason: String
        /// The monthly bulletin (YYYY-MM) the notice appeared in; county notices only.
        let bulletin: String?
    }

    /// Share of a unit's periods (months, quarters…) left without a publication or meeting.
    private(set) var missRate: [String: Double] = [:]
    /// Units that miss more, reply late more often and draw the notices.
    private(set) var weak: Set<String> = []
    /// Months in which a unit certainly publishes nothing for its first monthly obligation:
    /// the months a county notice criticises.
    private(set) var forcedMissMonths: [String: Set<Int>] = [:]
    private(set) var notices: [Notice] = []
    private(set) var interview: (unit: String, date: BusinessDate)?
    /// Units whose first application shows a correction (补正), a third-party pause and an
    /// extension, so every kind of inquiry step appears in every simulated year.
    private(set) var correctionUnit = ""
    private(set) var pauseUnit = ""
    private(set) var extensionUnit = ""

    static let weakUnitCount = 4

    init(catalog: Catalog, days: SimulationDays, rng: inout SplitMix64) {
        let order = rng.shuffled(catalog.units.map(\.id))
        precondition(order.count >= Self.weakUnitCount + 4, "a simulated year needs at least eight units")
        weak = Set(order.prefix(Self.weakUnitCount))
        for unit in catalog.units.map(\.id) {
            missRate[unit] = weak.contains(unit) ? 0.20 + 0.10 * Double(rng.below(1000)) / 1000
                                                 : 0.02 + 0.05 * Double(rng.below(1000)) / 1000
        }
        correctionUnit = order[order.count - 1]
        pauseUnit = order[order.count - 2]
        extensionUnit = order[order.count - 3]

        let year = catalog.year
        let interviewed = order[0], watched = order[1], provincial = order[2], weakOnce = order[3], ordinaryOnce = order[4]
        // Bulletin months: a notice about month m appears in the bulletin issued in month m+1.
        var countyMonths: [(String, Int)] = []
        countyMonths += [rng.int(2...3), rng.int(5...6), rng.int(8...9)].map { (interviewed, $0) }
        countyMonths += [rng.int(3...5), rng.int(7...9)].map { (watched, $0) }
        countyMonths.append((weakOnce, rng.int(4...10)))
        countyMonths.append((ordinaryOnce, rng.int(2...10)))
        for (unit, month) in countyMonths {
            forcedMissMonths[unit, default: []].insert(month)
            let obligation = Self.firstMonthlyObligation(catalog, unit: unit)
            let issued = BusinessDate(year: year, month: month + 1, day: 1)
            let date = days.pick(&rng, from: issued.adding(days: 7), through: issued.adding(days: 14))
            let what = obligation.map { "“\($0.title)”相关栏目当月未更新" } ?? "政务公开重点任务落实不到位"
            notices.append(Notice(unit: unit, date: date, level: "county",
                                  reason: "\(year)年\(month)月政务公开检查发现：\(what)",
                                  bulletin: String(issued.adding(days: -1).description.prefix(7))))
        }
        let cityDate = days.pick(&rng, from: BusinessDate(year: year, month: 6, day: 1), through: BusinessDate(year: year, month: 6, day: 30))
        notices.append(Notice(unit: provincial, date: cityDate, level: "city",
                              reason: "赣州市政务公开工作通报：12345政务服务便民热线工单答复超期", bulletin: nil))
        let provinceDate = days.pick(&rng, from: BusinessDate(year: year, month: 11, day: 1), through: BusinessDate(year: year, month: 11, day: 20))
        notices.append(Notice(unit: provincial, date: provinceDate, level: "province",
                              reason: "江西省政府网站与政务新媒体检查情况通报：政务新媒体长期未更新", bulletin: nil))

        // 约谈 a few working days after the third county notice made it required.
        let third = notices.filter { $0.unit == interviewed }.map(\.date).max()!
        interview = (interviewed, days.workingDay(after: third, count: rng.int(3...8)))
    }

    /// The unit's first obligation published monthly: the one a county inspection checks.
    static func firstMonthlyObligation(_ catalog: Catalog, unit: String) -> Obligation? {
        catalog.obligations(for: unit).first { $0.rule == .periodic(period: .month, minimum: 1) }
            ?? catalog.obligations(for: unit).first { if case .periodic(.month, _) = $0.rule { true } else { false } }
    }
}
