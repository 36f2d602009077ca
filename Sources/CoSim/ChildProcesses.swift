import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The child processes and temporary paths this process has live: what SIGINT or SIGTERM must
/// stop and remove before the run exits (docs/cosim.md, "Signals").
///
/// Every external tool (verilator and the make and C++ compilers it starts, the harness, Icarus,
/// Yosys, nextpnr) is started by `run`, as the leader of a process group of its own: killing the
/// group reaches the grandchildren too, which killing the child alone would orphan. Temporary
/// files and folders (the build cache's `.tmp-…` folders, harness scratch folders, logs) are
/// registered while they exist. `stopOnSignals()` makes SIGINT and SIGTERM end every registered
/// group, remove every registered path and exit with 128 + the signal (130, 143).
public enum ChildProcesses {
    /// Runs `executable` with `args` in `directory` (absolute paths), its stdout and stderr into
    /// the file `output` (truncated), stdin from /dev/null, in a new process group with SIGINT,
    /// SIGTERM and SIGPIPE at their default actions (an ignored signal would otherwise be inherited
    /// and the group could not be stopped). Waits for it and returns its exit status, or 128 + the
    /// signal that ended it.
    ///
    /// When a signal is stopping the run, the calling thread does not return: the process is
    /// exiting, and a failure reported now would only be noise.
    public static func run(_ executable: String, _ args: [String], in directory: URL? = nil, output: URL) throws -> Int32 {
        let pid = try registry.spawn { try spawn(executable, args, in: directory, output: output) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else {
                let e = errno
                registry.finished(pid)
                throw CoSimError.commandFailed(command: executable, status: -1, output: "waitpid: \(String(cString: strerror(e)))")
            }
        }
        registry.finished(pid)
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift does not import.
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Registers a temporary file or folder, removed if a signal ends the run. Call before creating it.
    public static func addTemporary(_ url: URL) { registry.addTemporary(url.path) }

    /// Forgets a temporary path (it was removed, or renamed into place and is no longer temporary).
    public static func removeTemporary(_ url: URL) { registry.removeTemporary(url.path) }

    /// Makes SIGINT and SIGTERM stop every child process group (SIGTERM, then SIGKILL for groups
    /// still alive after `grace` seconds), remove every temporary path and exit with 128 + the
    /// signal, printing one line on stderr. Idempotent; call it first thing in `main`.
    public static func stopOnSignals(grace: Double = 3) {
        registry.lock.lock(); defer { registry.lock.unlock() }
        guard !registry.handlersInstalled else { return }
        registry.handlersInstalled = true
        // Signal handlers may do almost nothing safely: this one writes the signal number into a
        // pipe, and a thread of its own does the work (locks, file removal, exit).
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return }
        signalPipeWrite = fds[1]
        let readEnd = fds[0]
        Thread {
            var byte: UInt8 = 0
            while read(readEnd, &byte, 1) != 1 {}
            stopEverything(signal: Int32(byte), grace: grace)
        }.start()
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for s in [SIGINT, SIGTERM] {
            _ = signal(s) { signo in
                var b = UInt8(truncatingIfNeeded: signo)
                _ = write(signalPipeWrite, &b, 1)
            }
            sigaddset(&unblock, s)
        }
        // A parent may start us with them blocked (a process started from a libdispatch worker
        // thread inherits its mask): they would stay pending and never stop the run. Threads
        // started from here on inherit the unblocked mask.
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    /// The exit status of a run ended by `signal` (the shell's convention).
    public static func exitStatus(signal: Int32) -> Int32 { 128 + signal }

    // MARK: - Implementation

    private static let registry = Registry()

    final class Registry: @unchecked Sendable {
        let lock = NSLock()
        var groups: Set<pid_t> = []
        var temporaries: Set<String> = []
        var stopping = false
        var handlersInstalled = false

        /// Starts a child under the lock, so a signal never finds it started but unregistered.
        func spawn(_ start: () throws -> pid_t) throws -> pid_t {
            lock.lock()
            if stopping { lock.unlock(); parkForever() }
            defer { lock.unlock() }
            let pid = try start()
            groups.insert(pid)
            return pid
        }

        func finished(_ pid: pid_t) {
            lock.lock()
            groups.remove(pid)
            let s = stopping
            lock.unlock()
            if s { parkForever() }
        }

        func addTemporary(_ path: String) { lock.lock(); temporaries.insert(path); lock.unlock() }
        func removeTemporary(_ path: String) { lock.lock(); temporaries.remove(path); lock.unlock() }

        /// From now on nothing new starts; what is live now.
        func beginStopping() -> (groups: [pid_t], temporaries: [String]) {
            lock.lock(); defer { lock.unlock() }
            stopping = true
            return (Array(groups), Array(temporaries))
        }
    }

    private static func parkForever() -> Never {
        while true { sleep(3600) }
    }

    private static func stopEverything(signal: Int32, grace: Double) -> Never {
        let (groups, temporaries) = registry.beginStopping()
        for g in groups { kill(-g, SIGTERM) }
        var alive = waitForGroups(groups, seconds: grace)
        for g in alive { kill(-g, SIGKILL) }
        alive = waitForGroups(alive, seconds: 1)
        // The children are gone, so nothing writes into these any more.
        for t in temporaries { try? FileManager.default.removeItem(atPath: t) }
        let name = signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)"
        var line = "\(ProcessInfo.processInfo.processName): stopped by \(name): \(groups.count) child process group(s) ended, "
            + "\(temporaries.count) temporary path(s) removed"
        if !alive.isEmpty { line += "; still alive: process groups \(alive.map(String.init).joined(separator: ", "))" }
        FileHandle.standardError.write(Data((line + "\n").utf8))
        fflush(nil)   // all streams: what the run printed so far
        // _exit: other threads are still running; exit's atexit handlers could meet them half-way.
        _exit(exitStatus(signal: signal))
    }

    /// The groups of `groups` that still have a member after up to `seconds`.
    private static func waitForGroups(_ groups: [pid_t], seconds: Double) -> [pid_t] {
        var alive = groups
        let end = Date().addingTimeInterval(seconds)
        while !alive.isEmpty {
            alive = alive.filter { kill(-$0, 0) == 0 || errno != ESRCH }
            if alive.isEmpty || Date() >= end { break }
            usleep(20_000)
        }
        return alive
    }

    private static func spawn(_ executable: String, _ args: [String], in directory: URL?, output: URL) throws -> pid_t {
        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        var attr: posix_spawnattr_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        var attr = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attr)
        defer { posix_spawn_file_actions_destroy(&actions); posix_spawnattr_destroy(&attr) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var argList = [executable] + args
        if let directory {
            if let addChdir = addChdirAction {
                _ = withUnsafeMutablePointer(to: &actions) { addChdir(UnsafeMutableRawPointer($0), directory.path) }
            } else {
                // (no posix_spawn_file_actions_addchdir_np: the shell changes directory, then becomes the tool)
                argList = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory.path] + argList
            }
        }
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attr, 0)   // 0: a new group, its id the child's pid
        var defaults = sigset_t(), mask = sigset_t()
        sigemptyset(&defaults); sigemptyset(&mask)
        for s in [SIGINT, SIGTERM, SIGPIPE] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setsigmask(&attr, &mask)

        let argv: [UnsafeMutablePointer<CChar>?] = argList.map { strdup($0) } + [nil]
        let env: [UnsafeMutablePointer<CChar>?] = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; env.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argList[0], &actions, &attr, argv, env)
        guard rc == 0 else {
            throw CoSimError.commandFailed(command: ([executable] + args).joined(separator: " "), status: -1,
                                           output: "cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        return pid
    }
}

/// `posix_spawn_file_actions_addchdir_np` (glibc 2.29+, macOS 10.15+), which Swift's Glibc module
/// does not import; nil where the C library lacks it.
private let addChdirAction: (@convention(c) (UnsafeMutableRawPointer, UnsafePointer<CChar>) -> Int32)? = {
    #if canImport(Darwin)
    let everywhere = UnsafeMutableRawPointer(bitPattern: -2)   // RTLD_DEFAULT
    #else
    let everywhere: UnsafeMutableRawPointer? = nil              // RTLD_DEFAULT
    #endif
    guard let f = dlsym(everywhere, "posix_spawn_file_actions_addchdir_np") else { return nil }
    return unsafeBitCast(f, to: (@convention(c) (UnsafeMutableRawPointer, UnsafePointer<CChar>) -> Int32).self)
}()

/// The write end of the signal pipe; read by the handler, which can use nothing that locks or allocates.
nonisolated(unsafe) private var signalPipeWrite: Int32 = -1
