import AcceleratorSpec

/// The accelerator's memory port as the engines see it (docs/microarchitecture.md §7.1): a request
/// is accepted in a cycle where the engine presents it and the channel is ready; a read is only
/// presented while fewer than `maxOutstandingReads` reads are in flight; read data returns in
/// request order, at most one word per cycle, at the time `MemoryTiming` gives.
struct DRAMPort {
    let timing: MemoryTiming
    let maxOutstanding: Int
    /// Fixed latency L with more than L reads allowed in flight: every presented request is
    /// accepted and read data arrives exactly L cycles later, so the engines may jump over bursts.
    let streams: Bool
    /// Arrival cycles of accepted reads, ascending; those before `head` have arrived.
    private var arrivals: [Int] = []
    private var head = 0
    private var lastArrival = -1
    private(set) var readsAccepted = 0

    init(timing: MemoryTiming, config: HardwareConfig) {
        self.timing = timing
        maxOutstanding = config.maxOutstandingReads
        streams = timing.isFixed && config.maxOutstandingReads > config.memLatency
    }

    /// Whether a request presented in cycle `t` is accepted (a read also needs a free slot).
    mutating func accepts(read: Bool, at t: Int) -> Bool {
        guard timing.requestReady(cycle: t) else { return false }
        return !read || inFlight(at: t) < maxOutstanding
    }

    /// Whether a read may be presented in cycle `t` (fewer than `maxOutstanding` in flight).
    mutating func hasReadSlot(at t: Int) -> Bool { inFlight(at: t) < maxOutstanding }

    /// Reads accepted before cycle `t` whose data has not arrived before `t`.
    mutating func inFlight(at t: Int) -> Int {
        while head < arrivals.count && arrivals[head] < t { head += 1 }
        if head == arrivals.count { arrivals.removeAll(keepingCapacity: true); head = 0 }
        return arrivals.count - head
    }

    /// Records a read accepted in cycle `t`; returns the cycle its data arrives (written at the end of that cycle).
    mutating func acceptRead(at t: Int) -> Int {
        let arrival = max(t + timing.latency(read: readsAccepted), lastArrival + 1)
        readsAccepted += 1
        lastArrival = arrival
        arrivals.append(arrival)
        return arrival
    }
}
