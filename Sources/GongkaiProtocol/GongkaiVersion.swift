/// The release of gongkaid and gongkai (`--version`, STATS, the start-up log line): which
/// binary wrote or refused a ledger is then never a guess. Raised with every change an
/// operator could notice; the ledger's storage format has its own number (LedgerLayout).
public enum GongkaiVersion {
    public static let current = "0.10.0"
}
