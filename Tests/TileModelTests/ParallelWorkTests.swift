import Testing
import Foundation
import TileModel

/// `ParallelWork`: every item once, results in item order, the first failure (by index) thrown.
@Suite struct ParallelWorkTests {
    struct Failure: Error, Equatable { let item: Int }

    @Test(arguments: [1, 2, 3, 8])
    func resultsComeBackInItemOrder(jobs: Int) throws {
        let seen = ParallelWork.Counter()
        // (items end out of order: later ones are quicker)
        let r = try ParallelWork.map(20, jobs: jobs, order: Array((0..<20).reversed()), { i -> Int in
            usleep(useconds_t(200 * (i % 5)))
            return i * i
        }, finished: { _, _ in _ = seen.increment() })
        #expect(r == (0..<20).map { $0 * $0 })
        #expect(seen.increment() == 21)
    }

    @Test func theFirstFailureIsThrownAfterEveryItemEnded() {
        let ran = ParallelWork.Counter()
        #expect(throws: Failure(item: 3)) {
            _ = try ParallelWork.map(10, jobs: 2, { i -> Int in
                _ = ran.increment()
                if i == 3 || i == 7 { throw Failure(item: i) }
                return i
            })
        }
        #expect(ran.increment() == 11)
    }
}
