/// A deliberate bug the accelerator generator can build into the RTL, so that the co-simulation
/// regression can be shown to catch it (issue 5: "a test proves the regression can fail").
///
/// Contract for the generator (`AcceleratorGenerator`): with `.none` it emits the correct design;
/// with any other case it emits the same design with exactly the one fault described below, and
/// writes `fault <rawValue>` into every file's header comment so a faulty build is never mistaken
/// for a good one. CoSim keys its Verilator build cache on the fault, and the fault tests in
/// `Tests/CoSimTests` expect the smoke suite to report at least one mismatch for every fault.
public enum FaultInjection: String, CaseIterable, Codable, Sendable {
    /// The correct design.
    case none
    /// The load engine's halo address is off by one: the column origin x0 of every tile is
    /// computed as x0 + 1 (the first halo column is skipped, the last one read past the tile).
    case haloOffByOne = "halo-off-by-one"
    /// The accumulator drops the carry out of bit 15 when adding a step's lane sum
    /// (the high half of the adder does not see the low half's carry).
    case droppedCarry = "dropped-carry"
    /// The mask scanner skips the second active tile of every pass (never loads, computes or
    /// stores it; the output keeps the default there).
    case skippedTile = "skipped-tile"
    /// The port sequencer grants every transfer one cycle after it becomes eligible
    /// (a one-cycle-late handshake between the compute and the store engine).
    case lateHandshake = "late-handshake"
    /// The load engine ignores the memory port's request ready: it advances to its next request
    /// whether or not the port accepted the current one (invisible while the port is always ready,
    /// i.e. under the fixed memory profile).
    case ignoresReady = "ignores-ready"

    /// Every real fault (all cases but `.none`).
    public static var faults: [FaultInjection] { allCases.filter { $0 != .none } }
}

extension FaultInjection {
    /// The comment lines a design built with this fault carries after its header line
    /// (`fault <name>: …`); none for `.none`, whose files are unchanged.
    public var headerLines: [String] {
        self == .none ? [] : ["fault \(rawValue): DELIBERATELY FAULTY design (FaultInjection), only for proving that the regression fails."]
    }

    /// An unknown fault name (the CLI's `--inject-fault NAME`).
    public struct UnknownName: Error, CustomStringConvertible, Sendable {
        public let name: String
        public var description: String {
            "unknown fault '\(name)'; valid names: \(FaultInjection.allCases.map(\.rawValue).joined(separator: ", "))"
        }
    }

    /// The fault called `name` (its raw value, e.g. `halo-off-by-one`; case-insensitive).
    public init(name: String) throws {
        guard let f = FaultInjection(rawValue: name.lowercased()) else { throw UnknownName(name: name) }
        self = f
    }
}
