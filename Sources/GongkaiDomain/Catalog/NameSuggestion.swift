/// "Did you mean …": the names nearest one that names nothing, for a clerk's typo (`czjj`,
/// `T4a`, `财政`). Used on error paths only.
public enum NameSuggestion {
    /// Longest text compared: a longer one is no typo of a short name. Bytes are bounded
    /// too: a base letter with 500,000 combining marks is one Character.
    static let maxTextCharacters = 40
    static let maxTextBytes = 160

    /// The candidates nearest `text` by edit distance over characters, case aside (at most
    /// one edit for a text of up to five characters, two for a longer one): those at the
    /// least distance, and of them only the ones that begin with `text` or that it begins
    /// with when there are such (`T18` → `T18a`, `T18b`, not `T08`); in the candidates'
    /// order, at most `limit` of them.
    public static func nearest(_ text: String, among candidates: [String], limit: Int = 3) -> [String] {
        guard text.utf8.count <= maxTextBytes else { return [] }
        let typed = text.lowercased()
        let typedCharacters = Array(typed)
        guard !typedCharacters.isEmpty, typedCharacters.count <= maxTextCharacters else { return [] }
        let allowed = typedCharacters.count <= 5 ? 1 : 2
        // Runs on the writer for a refused event: a candidate whose length alone rules it out
        // costs no allocation.
        let near = candidates.compactMap { candidate -> (name: String, distance: Int)? in
            guard abs(candidate.count - typedCharacters.count) <= allowed else { return nil }
            return editDistance(typedCharacters, Array(candidate.lowercased()), atMost: allowed).map { (candidate, $0) }
        }
        guard let least = near.map(\.distance).min() else { return [] }
        let nearest = near.filter { $0.distance == least }.map(\.name)
        let extending = nearest.filter { $0.lowercased().hasPrefix(typed) || typed.hasPrefix($0.lowercased()) }
        return Array((extending.isEmpty ? nearest : extending).prefix(limit))
    }

    /// `did you mean czj or zjj?`, or nil when there is nothing to suggest.
    public static func question(_ suggestions: [String]) -> String? {
        guard let last = suggestions.last else { return nil }
        let named = suggestions.count == 1 ? last : suggestions.dropLast().joined(separator: ", ") + " or " + last
        return "did you mean \(named)?"
    }

    /// Levenshtein distance, or nil once it must exceed `limit` (rows are cut off early);
    /// two rows, allocated once.
    static func editDistance(_ a: [Character], _ b: [Character], atMost limit: Int) -> Int? {
        guard abs(a.count - b.count) <= limit else { return nil }
        var previous = Array(0...b.count)
        var current = previous
        for (i, x) in a.enumerated() {
            current[0] = i + 1
            var rowLeast = current[0]
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
                rowLeast = min(rowLeast, current[j + 1])
            }
            guard rowLeast <= limit else { return nil }
            swap(&previous, &current)
        }
        return previous[b.count] <= limit ? previous[b.count] : nil
    }
}

extension Catalog {
    /// The units whose id or Chinese name is nearest `text`, then those whose name holds it
    /// (`财政` for `县财政局`), named `czj（县财政局）`; at most three.
    public func unitSuggestions(for text: String) -> [String] {
        guard text.utf8.count <= NameSuggestion.maxTextBytes else { return [] }
        if let known = unitSuggestionMemo.withLock({ $0[text] }) { return known }
        let found = workOutUnitSuggestions(for: text)
        unitSuggestionMemo.withLock { memo in
            if memo.count >= Self.maxMemoizedSuggestions { memo.removeAll() }
            memo[text] = found
        }
        return found
    }

    private func workOutUnitSuggestions(for text: String) -> [String] {
        let ids = NameSuggestion.nearest(text, among: units.map(\.id))
        let byName = NameSuggestion.nearest(text, among: units.map(\.name)).compactMap { unitId(for: $0) }
        let holding = text.utf8.count <= NameSuggestion.maxTextBytes && text.count >= 2 && text.count <= NameSuggestion.maxTextCharacters
            ? units.filter { $0.name.contains(text) }.map(\.id) : []
        var seen = Set<String>()
        return (ids + byName + holding).filter { seen.insert($0).inserted }.prefix(3).compactMap { id in
            unit(id).map { "\($0.id)（\($0.name)）" }
        }
    }

    /// The obligation ids `text` was likely meant for: the same but for case and leading zeros
    /// (`t4a` → `T04a`), or the ones it lacks only a last letter of (`T18` → `T18a`, `T18b`).
    /// Not by edit distance: `T02` is one edit from `T01` and `T03`, which are other tasks,
    /// not typos of it; nor `T1` → `T10`.
    public func obligationSuggestions(for text: String) -> [String] {
        guard text.utf8.count <= NameSuggestion.maxTextBytes else { return [] }
        let typed = Self.obligationKey(text)
        guard typed.count >= 2, typed.count <= NameSuggestion.maxTextCharacters else { return [] }
        let ids = obligations.map(\.id)
        let same = ids.filter { Self.obligationKey($0) == typed }
        let lettered = ids.filter { id in
            let key = Self.obligationKey(id)
            return key.hasPrefix(typed) && key.count > typed.count && key.dropFirst(typed.count).allSatisfy(\.isLetter)
                && typed.last?.isNumber == true
        }
        return Array((same.isEmpty ? lettered : same).prefix(3))
    }

    /// An obligation id upper-cased, with the zeros that lead a number dropped (`t04a` →
    /// `T4A`; a number that is all zeros keeps one: `T0` → `T0`).
    private static func obligationKey(_ id: String) -> String {
        let characters = Array(id.uppercased())
        var key = ""
        var numberStarted = false  // a digit other than a leading zero was kept
        for (index, character) in characters.enumerated() {
            guard character.isNumber else {
                numberStarted = false
                key.append(character)
                continue
            }
            let nextIsDigit = index + 1 < characters.count && characters[index + 1].isNumber
            // A zero that leads a number and is followed by another digit adds nothing.
            if character == "0", !numberStarted, nextIsDigit { continue }
            numberStarted = true
            key.append(character)
        }
        return key
    }
}
