import AcceleratorSpec

/// The declared interface of the accelerator's top module (docs/microarchitecture.md §7.1, §8, §15),
/// one bundle per channel, each from its producer's point of view.
public enum TopInterface {
    /// The prefix of the CSR port's signals (`csr_we`, `csr_addr`, …), the DRAM request's and
    /// response's, and the event pulses'; tools that wrap the top (`sparsetile synth`'s place and
    /// route) find the ports by them.
    public static let csrPort = "csr", memoryRequestPort = "mem_req", memoryResponsePort = "mem_rsp", eventsPort = "ev"

    /// The host's CSR port (produced by the host): one write per cycle, combinational read.
    public static let csr = Bundle([
        .init("we", doc: "write `wdata` to register `addr` this cycle"),
        .init("addr", width: 6, doc: "register word offset (RegisterMap)"),
        .init("wdata", width: 32),
        .init("rdata", width: 32, direction: .backward, doc: "register `addr`, combinational read"),
    ])

    /// The DRAM request channel (produced by the accelerator): a ready/valid stream of word requests.
    public static func memoryRequest(_ c: HardwareConfig) -> Bundle {
        .stream([
            .init("write", doc: "1 = write, 0 = read"),
            .init("addr", width: c.addressBits, doc: "word address (§5; addressBits wide, §2)"),
            .init("wdata", width: 8 * c.memBytesPerCycle, doc: "write data, byte j in bits [8j+7:8j]"),
            .init("wstrb", width: c.memBytesPerCycle, doc: "byte strobe of a write"),
        ])
    }

    /// The DRAM read-response channel (produced by the memory): read data in request order.
    public static func memoryResponse(_ c: HardwareConfig) -> Bundle {
        .stream([.init("rdata", width: 8 * c.memBytesPerCycle, doc: "the oldest outstanding read's word")])
    }

    /// The per-tile event pulses (produced by the accelerator) from which a harness rebuilds the §10 trace.
    public static let events = Bundle([
        .init("load_start", doc: "a tile's first load request is accepted"),
        .init("load_ready", doc: "a tile's load is complete (loadEnd)"),
        .init("compute_start", doc: "a tile's first step (computeStart)"),
        .init("store_start", doc: "a tile's first store request is accepted"),
        .init("store_end", doc: "the cycle after a tile's last store request (storeEnd)"),
    ])
}
