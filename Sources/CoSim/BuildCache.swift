import Foundation
import AcceleratorSpec
import RTLGen

/// A built Verilator simulator of one design.
public struct SimulatorBuild: Sendable {
    /// The harness executable.
    public var executable: URL
    /// Its cache directory `.build-verilator/<key>/`.
    public var directory: URL
    /// True when an existing build was reused.
    public var reused: Bool
    /// Seconds spent generating + compiling (0 when reused).
    public var buildSeconds: Double
}

/// Verilator builds cached per configuration hash under `.build-verilator/<hash>[-<fault>][-<source>][-fst]/`.
///
/// A build directory holds `rtl/` (the generated .sv files and the C register header), `obj/`
/// (Verilator's output, the `sim` executable) and `stamp`, a hash of the design text, the register
/// header, the harness source, the Verilator version and the flags; a stale stamp triggers a rebuild. Builds of one key are serialised
/// within the process; a build is done in a scratch directory and renamed into place, so
/// concurrent processes never see a half-built simulator.
public final class BuildCache: @unchecked Sendable {
    public let root: URL
    /// `-O3` for real runs; tests pass `.quick` to keep C++ compile times small.
    public var optimization: Optimization
    private let lock = NSLock()
    private var keyLocks: [String: NSLock] = [:]
    /// Builds checked (or made) by this process: the design is generated once per key, not per run.
    private var checked: [String: SimulatorBuild] = [:]

    public enum Optimization: String, Sendable {
        /// verilator -O3, C++ at the Verilator defaults (-Os fast paths).
        case full
        /// verilator -O3, C++ at -O0: fast to build, slower to run (small designs, tests).
        case quick
    }

    /// `optimization` defaults to `SPARSETILE_VERILATOR_OPT` (`full` or `quick`), else `.full`.
    public init(root: URL = RepositoryPaths.verilatorCache, optimization: Optimization? = nil) {
        self.root = root
        self.optimization = optimization
            ?? ProcessInfo.processInfo.environment["SPARSETILE_VERILATOR_OPT"].flatMap(Optimization.init(rawValue:)) ?? .full
    }

    /// The cache directory name of a design.
    public static func key(config: HardwareConfig, fault: FaultInjection, source: String, traceFST: Bool) -> String {
        var k = config.contentHash
        if fault != .none { k += "-\(fault.rawValue)" }
        if source != "accel" { k += "-\(source)" }
        if traceFST { k += "-fst" }
        return k
    }

    private func keyLock(_ key: String) -> NSLock {
        lock.lock(); defer { lock.unlock() }
        if let l = keyLocks[key] { return l }
        let l = NSLock(); keyLocks[key] = l; return l
    }

    /// The simulator for `config` from `source` (with `fault`), built if missing or stale.
    public func simulator(config: HardwareConfig, source: DesignSource = .accelerator, fault: FaultInjection = .none,
                          traceFST: Bool = false) throws -> SimulatorBuild {
        let key = Self.key(config: config, fault: fault, source: source.name, traceFST: traceFST)
        let l = keyLock(key)
        l.lock(); defer { l.unlock() }
        if let b = memo(key), FileManager.default.isExecutableFile(atPath: b.executable.path) {
            var r = b; r.reused = true; r.buildSeconds = 0
            return r
        }
        let b = try buildOrReuse(key: key, config: config, source: source, fault: fault, traceFST: traceFST)
        lock.lock(); checked[key] = b; lock.unlock()
        return b
    }

    private func memo(_ key: String) -> SimulatorBuild? {
        lock.lock(); defer { lock.unlock() }
        return checked[key]
    }

    private func buildOrReuse(key: String, config: HardwareConfig, source: DesignSource, fault: FaultInjection,
                              traceFST: Bool) throws -> SimulatorBuild {
        let start = Date()
        let design = try source.generate(config, fault)
        let files = design.files
        guard files.contains(where: { $0.moduleName == design.top }) else {
            throw CoSimError.invalidArgument("design '\(source.name)' has no module \(design.top) (its top)")
        }
        let header = try source.registerHeader(config, fault)
        let harness = try String(contentsOf: RepositoryPaths.harnessSource, encoding: .utf8)
        let flags = verilatorFlags(config: config, top: design.top, traceFST: traceFST, registerHeader: header.fileName)
        let stamp = Self.stamp(files: files.map { ($0.fileName, $0.contents) } + [(header.fileName, header.contents)],
                               harness: harness, flags: flags, verilatorVersion: Toolchain.verilatorVersion())
        let dir = root.appendingPathComponent(key)
        let exe = dir.appendingPathComponent("obj/sim")
        let stampURL = dir.appendingPathComponent("stamp")
        let fm = FileManager.default
        if fm.isExecutableFile(atPath: exe.path), (try? String(contentsOf: stampURL, encoding: .utf8)) == stamp {
            return SimulatorBuild(executable: exe, directory: dir, reused: true, buildSeconds: 0)
        }
        let verilator = try Toolchain.verilator()
        try fm.createDirectory(at: root, withIntermediateDirectories: true)
        let scratch = root.appendingPathComponent(".tmp-\(key)-\(UUID().uuidString)")
        // The entry is built in a scratch folder and renamed into place whole, so a killed or failed
        // build never leaves a half entry that a later run trusts. The scratch folder is registered
        // (`ChildProcesses`): a signal during the build removes it; any error here removes it too.
        ChildProcesses.addTemporary(scratch)
        defer { try? fm.removeItem(at: scratch); ChildProcesses.removeTemporary(scratch) }
        try fm.createDirectory(at: scratch.appendingPathComponent("rtl"), withIntermediateDirectories: true)
        var paths: [String] = []
        for f in files {
            let u = scratch.appendingPathComponent("rtl").appendingPathComponent(f.fileName)
            try f.contents.write(to: u, atomically: true, encoding: .utf8)
            paths.append("rtl/" + f.fileName)
        }
        try header.contents.write(to: scratch.appendingPathComponent("rtl").appendingPathComponent(header.fileName),
                                  atomically: true, encoding: .utf8)
        try harness.write(to: scratch.appendingPathComponent("harness.cpp"), atomically: true, encoding: .utf8)
        try Toolchain.check(verilator, flags + paths + ["harness.cpp"], in: scratch)
        try stamp.write(to: scratch.appendingPathComponent("stamp"), atomically: true, encoding: .utf8)
        // Verilator's makefiles hold absolute paths only through -Mdir (relative); the
        // executable is self-contained, so the directory can move. A stale entry is renamed aside
        // first (a directory cannot be renamed over a non-empty one), so the key names either
        // nothing or a whole build at every moment.
        if fm.fileExists(atPath: dir.path) {
            let old = root.appendingPathComponent(".tmp-old-\(key)-\(UUID().uuidString)")
            ChildProcesses.addTemporary(old)
            defer { try? fm.removeItem(at: old); ChildProcesses.removeTemporary(old) }
            try? fm.moveItem(at: dir, to: old)
        }
        do { try fm.moveItem(at: scratch, to: dir) } catch {
            // Another process put a build of this key in place meanwhile: use it if it is this design's.
            guard fm.isExecutableFile(atPath: exe.path), (try? String(contentsOf: stampURL, encoding: .utf8)) == stamp else { throw error }
        }
        return SimulatorBuild(executable: exe, directory: dir, reused: false, buildSeconds: Date().timeIntervalSince(start))
    }

    /// The stamp of a build: a hash of every file compiled (the design and its register header), the
    /// harness source, the Verilator flags and `verilator --version`. A cached build is reused only
    /// when its stamp is this one, so a change of any of them (new flags such as the X-propagation
    /// options included) rebuilds instead of reusing a stale simulator.
    public static func stamp(files: [(name: String, contents: String)], harness: String, flags: [String],
                             verilatorVersion: String) -> String {
        StableHash.fnv1a64(files.map { "\($0.name)\n\($0.contents)" }.joined(separator: "\u{0}")
                           + "\u{0}" + harness + "\u{0}" + flags.joined(separator: " ") + "\u{0}" + verilatorVersion)
    }

    /// X-propagation (docs/cosim.md, "X-propagation"): every X the design assigns (`--x-assign`)
    /// and every variable's value before reset (`--x-initial`) becomes a value the run draws, so a
    /// design that reads state it never reset, or depends on an X, gives different results under
    /// different X seeds (`SimulatorBuild.xSeedArguments`) instead of Verilator's quiet zeros.
    public static let xPropagationFlags = ["--x-assign", "unique", "--x-initial", "unique"]

    /// The C++ class of the Verilated top, whatever the design's top module is called
    /// (`--prefix`; sim/harness/harness.cpp includes `Vaccel.h`).
    public static let modelClass = "Vaccel"

    /// The harness includes the register header by the name in `ST_REGS_HEADER`, found through
    /// `-I../rtl` (the C++ compiles in `obj/`).
    public func verilatorFlags(config: HardwareConfig, top: String, traceFST: Bool, registerHeader: String) -> [String] {
        var f = ["--cc", "--exe", "--build", "-O3", "-j", "2", "--top-module", top, "--prefix", Self.modelClass,
                 "-Mdir", "obj", "-o", "sim", "-Wno-fatal", "-Wno-lint", "-Wno-style"] + Self.xPropagationFlags + [
                 "-CFLAGS", "-DST_WORD_BYTES=\(config.memBytesPerCycle)",
                 "-CFLAGS", "-I../rtl", "-CFLAGS", "-DST_REGS_HEADER=\(registerHeader)"]
        if traceFST { f += ["--trace-fst"] }
        if optimization == .quick { f += ["-MAKEFLAGS", "OPT_FAST=-O0 OPT_SLOW=-O0 OPT_GLOBAL=-O0"] }
        return f
    }
}
