import AcceleratorSpec

/// Elaborates the accelerator (`<prefix>accel`; every module name from `AcceleratorNames`).
/// The engines live in the extensions of this class, one file each: CSRBlock, Derived (layer
/// quantities), WeightLoader (MASK/WEIGHTS bursts), MaskScanner, PortSequencer (transfer order +
/// load/store walkers), ComputeEngine (+ PE array), RequantEngine.
final class AcceleratorBuilder {
    let cfg: HardwareConfig
    let limits: AcceleratorLimits
    /// The deliberate bug to build in (`.none`: the correct design); see FaultInjection.swift.
    let fault: FaultInjection
    /// Module names (top, engines, PE).
    let names: AcceleratorNames
    /// The CSR map (§8): offsets of the write decode and the read mux, field bit ranges.
    let regs: RegisterMap
    let m: ModuleBuilder
    /// Modules instantiated in arrays (RAMs, PE, requant lane, …), by name: built once.
    var blocks: [String: Module] = [:]

    // Geometry constants
    let tH: Int, tW: Int, LK: Int, LC: Int, B: Int
    let lgB: Int, lgLC: Int
    let DI: Int, DW: Int, DO: Int
    let accW: Int
    let maxMw: Int
    let AW = 32
    /// Words of the bias RAM: the most bias words a pass can have (4·DO + 2).
    let DB: Int

    // Ports
    var clk: Signal!, rst: Signal!
    var csrWe: Signal!, csrAddr: Signal!, csrWdata: Signal!, csrRdata: Signal!
    var memReqValid: Signal!, memReqWrite: Signal!, memReqAddr: Signal!, memReqWdata: Signal!, memReqWstrb: Signal!
    var memReqReady: Signal!, memRspValid: Signal!, memRspRdata: Signal!, memRspReady: Signal!
    /// A read may be presented this cycle (fewer than maxOutstandingReads in flight).
    var readSlot: Signal!
    var busyOut: Signal!, doneOut: Signal!
    var evLoadStart: Signal!, evLoadReady: Signal!, evComputeStart: Signal!, evStoreStart: Signal!, evStoreEnd: Signal!

    // CSR registers: every RW register of the map by name (`csr_<name>`), and the ones the engines use
    var csr: [String: Signal] = [:]
    var rLayer0: Signal!, rLayer1: Signal!, rLayer2: Signal!, rRequant: Signal!, rPrelu: Signal!, rPass: Signal!
    var rBase: [Signal] = []
    var startPulse: Signal!

    // Derived layer quantities (registered from the CSRs)
    var dK: Signal!, dS2: Signal!, dH: Signal!, dW: Signal!, dCin: Signal!, dCout: Signal!, dHo: Signal!, dWo: Signal!
    var dPad: Signal!, dCW: Signal!, dCOW: Signal!, dNC: Signal!, dT: Signal!, dKc: Signal!, dK2CW: Signal!
    var dHH: Signal!, dHW: Signal!, dCS: Signal!, dCSCW: Signal!, dTH: Signal!, dTW: Signal!, dMw: Signal!
    var dRes: Signal!, dAct: Signal!, dM: Signal!, dSh: Signal!, dSlope: Signal!, dPc: Signal!, dError: Signal!
    // Per pass (combinational from the pass register o0)
    var o0: Signal!, pCur: Signal!, pG: Signal!, pBase: Signal!, pOW: Signal!, pBiasLo: Signal!, pNB: Signal!, pNW: Signal!
    var pLast: Signal!, pO0modB: Signal!

    // Top state
    var phase: Signal!      // 0 idle, 1 mask, 2 weights, 3 tiles
    var doneR: Signal!, errorR: Signal!
    var inMask: Expr { phase == 1 }
    var inWeights: Expr { phase == 2 }
    var inTiles: Expr { phase == 3 }

    // Scanner
    var scanValid: Signal!, scanJ: Signal!, scanTy: Signal!, scanTx: Signal!

    // Port sequencer / counters shared with compute + requant
    var loadsDone: Signal!, storesDone: Signal!, rqDone: Signal!
    /// The tiles of the transfers in flight (a ring of 4, slot = tile number mod 4): packed
    /// registers `ring_ty`/`ring_tx`, slot i at element i; `ringTy`/`ringTx` are the slots.
    var ringTyR: Signal!, ringTxR: Signal!
    var ringTy: [Expr] { fields(ringTyR, width: cntW) }
    var ringTx: [Expr] { fields(ringTxR, width: cntW) }
    var xIssue: Signal!, xIsStore: Signal!, grantLoad: Signal!, grantStore: Signal!
    var passEnd: Signal!, li: Signal!

    // Compute
    var cpTile: Signal!, cpRunning: Signal!, cpStart: Signal!, cpIssue: Signal!

    // Buffers (write/read ports filled by the engines). Per-bank / per-lane / per-byte signals are
    // packed buses: element i of a bus of W-bit elements is bits [i·W, (i+1)·W).
    /// Read data of the weight banks, lane l's word at element l.
    var weightRdata: Signal!

    let cntW = 16  // tile counters
    var burstReqValidW: Signal!, burstReqAddrW: Signal!, maskRspW: Signal!, maskRspIndexW: Signal!
    var weightRdAddrW: Signal!, weightRdEnW: Signal!, biasRdEnW: Signal!
    /// Bias RAM copies: lane l's read address and read data at element l.
    var biasRdAddrW: Signal!, biasRdata: Signal!
    // Buffers created by the port sequencer, read/written by compute and requant
    /// Halo banks: bank (by·tileW + bx)'s read address and read data at that element.
    var inRdAddrW: Signal!, inRdEnW: Signal!, inRdata: Signal!
    /// Output buffer writes, per byte lane b (the same for every tile column): enable, address;
    /// data of (b, column c) at element b·tileW + c.
    var outWeW: Signal!, outWAddrW: Signal!, outWDataW: Signal!
    /// Residual buffer reads: address per byte lane b (every column), data of (column c, b) at element c·B + b.
    var resRdAddrW: Signal!, resRdEnW: Signal!, resRdata: Signal!
    var ringY0: [Signal] = []
    var evLoadReadyR: Signal!, evStoreEndR: Signal!

    init(config: HardwareConfig, limits: AcceleratorLimits, names: AcceleratorNames, fault: FaultInjection = .none,
         registers: RegisterMap = .standard) {
        cfg = config; self.limits = limits; self.names = names; self.fault = fault; regs = registers
        tH = config.tileH; tW = config.tileW; LK = config.lanesK; LC = config.lanesC; B = config.memBytesPerCycle
        lgB = log2Exact(B); lgLC = log2Exact(LC)
        DI = config.inputBankDepth; DW = config.weightBankDepth; DO = config.outputWordsPerPixel
        accW = config.accumulatorWidth
        maxMw = limits.maxMaskWords(config)
        DB = 4 * DO + 2
        m = ModuleBuilder(names.top, documentation: """
            SparseTile accelerator: tile \(tH)x\(tW), lanesK \(LK), lanesC \(LC), \(B)-byte DRAM port.
            Timing contract: docs/microarchitecture.md (§15 ports and event pulses).
            """, submoduleName: names.engine)
    }

    func build() throws -> Module {
        m.parameter("TILE_H", tH); m.parameter("TILE_W", tW); m.parameter("LANES_K", LK); m.parameter("LANES_C", LC)
        m.parameter("MEM_BYTES", B); m.parameter("INPUT_BANK_DEPTH", DI); m.parameter("WEIGHT_BANK_DEPTH", DW)
        m.parameter("OUTPUT_WORDS_PER_PIXEL", DO); m.parameter("ACC_WIDTH", accW)
        m.parameter("MAX_MAP_SIZE", limits.maxMapSize); m.parameter("MAX_TILES", limits.maxTiles(cfg))
        m.parameter("MAX_KERNEL", limits.maxKernel)
        ports()
        csrRegisters()
        derived()
        try topSequencer()
        try maskScanner()
        try portSequencer()
        try computeEngine()
        csrReadAndCounters()
        return try m.build()
    }

    func ports() {
        clk = m.clock(); rst = m.reset()
        let csr = m.ports("csr", TopInterface.csr.flipped)
        csrWe = csr["we"]; csrAddr = csr["addr"]; csrWdata = csr["wdata"]; csrRdata = csr["rdata"]
        let req = m.ports("mem_req", TopInterface.memoryRequest(cfg))
        memReqValid = req["valid"]; memReqWrite = req["write"]; memReqAddr = req["addr"]
        memReqWdata = req["wdata"]; memReqWstrb = req["wstrb"]; memReqReady = req["ready"]
        let rsp = m.ports("mem_rsp", TopInterface.memoryResponse(cfg).flipped)
        memRspValid = rsp["valid"]; memRspRdata = rsp["rdata"]; memRspReady = rsp["ready"]
        busyOut = m.output("busy"); doneOut = m.output("done")
        let ev = m.ports("ev", TopInterface.events)
        evLoadStart = ev["load_start"]; evLoadReady = ev["load_ready"]; evComputeStart = ev["compute_start"]
        evStoreStart = ev["store_start"]; evStoreEnd = ev["store_end"]
    }
}
