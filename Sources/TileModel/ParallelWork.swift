import Foundation

/// Independent work items run over the machine's cores (Dispatch worker threads): the layers of a
/// network once their inputs are known, the configurations of a sweep, the cases of a regression.
/// Results come back in item order, whatever order the items ran and ended in.
public enum ParallelWork {
    /// The default number of workers (`--jobs`): the machine's cores.
    public static var defaultJobs: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// `body(i)` for every i in `0..<count` on `jobs` workers, taken in `order` (default: index order;
    /// e.g. the largest items first, so the workers end together). `finished(i, result)` is called as
    /// each item ends, one call at a time (progress lines stay whole). Returns the results in index
    /// order; throws the error of the first failed item (by index) once every item has ended.
    public static func map<T: Sendable>(_ count: Int, jobs: Int, order: [Int]? = nil,
                                        _ body: @Sendable (Int) throws -> T,
                                        finished: @Sendable (Int, Result<T, Error>) -> Void = { _, _ in }) throws -> [T] {
        let order = order ?? Array(0..<count)
        precondition(order.count == count && Set(order).count == count, "order must list every item once")
        let box = Slots<T>(count: count)
        let workers = max(1, min(jobs, count))
        if workers == 1 {
            for i in order { let r = Result { try body(i) }; box.put(i, r); finished(i, r) }
        } else {
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while let k = box.take(below: count) {
                    let i = order[k]
                    let r = Result { try body(i) }
                    box.put(i, r) { finished(i, r) }
                }
            }
        }
        return try box.results()
    }

    /// A count shared by worker threads (progress of parallel work).
    public final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        public init() {}
        /// Adds one; returns the new count.
        public func increment() -> Int { lock.lock(); defer { lock.unlock() }; n += 1; return n }
    }

    /// The results of the items, under a lock.
    private final class Slots<T: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var slots: [Result<T, Error>?]
        private var next = 0
        init(count: Int) { slots = Array(repeating: nil, count: count) }

        func take(below n: Int) -> Int? {
            lock.lock(); defer { lock.unlock() }
            guard next < n else { return nil }
            next += 1
            return next - 1
        }

        /// Stores result i, then runs `then` still under the lock.
        func put(_ i: Int, _ r: Result<T, Error>, then: () -> Void = {}) {
            lock.lock(); defer { lock.unlock() }
            slots[i] = r
            then()
        }

        func results() throws -> [T] {
            lock.lock(); defer { lock.unlock() }
            return try slots.map { try $0!.get() }
        }
    }
}
