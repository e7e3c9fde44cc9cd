import Dispatch
import Testing

@testable import CPUBackend

@Suite("Parallel")
struct ParallelTests {
    @Test(arguments: [(0, 2), (1, 2), (7, 1), (7, 3), (100, 2), (5, 8)])
    func forEachVisitsEveryIndexOnce(count: Int, threads: Int) {
        // Each index bumps its own slot, so concurrent calls never share a slot.
        let visits = Tensor(zeros: [max(count, 1)])
        Parallel.forEach(count: count, threads: threads) { index in visits.data[index] += 1 }
        #expect(visits.values == (count == 0 ? [0] : [Float](repeating: 1, count: count)))
    }

    @Test func rangesSplitInWholeUnits() {
        #expect((0..<2).map { Parallel.range(of: $0, in: 197, parts: 2, unit: 12) } == [0..<96, 96..<197])
        #expect((0..<3).map { Parallel.range(of: $0, in: 10, parts: 3) } == [0..<3, 3..<6, 6..<10])
        #expect((0..<3).map { Parallel.range(of: $0, in: 2, parts: 3) } == [0..<0, 0..<1, 1..<2])
        #expect((0..<2).map { Parallel.range(of: $0, in: 5, parts: 2, unit: 12) } == [0..<0, 0..<5])
    }

    @Test func nestedLoopsRunInline() {
        // A loop inside a loop's body runs on that body's thread; nothing deadlocks or is lost.
        let visits = Tensor(zeros: [6, 50])
        Parallel.forEach(count: 6, threads: 2) { outer in
            Parallel.forEach(count: 50, threads: 2) { inner in visits.data[outer * 50 + inner] += 1 }
        }
        #expect(visits.values == [Float](repeating: 1, count: 300))
    }

    @Test func loopsStartedFromTwoThreadsAtOnceBothFinish() {
        // Whichever finds the pool busy runs alone; both loops cover all their indices.
        let visits = Tensor(zeros: [2, 400])
        DispatchQueue.concurrentPerform(iterations: 2) { caller in
            Parallel.forEach(count: 400, threads: 2) { index in visits.data[caller * 400 + index] += 1 }
        }
        #expect(visits.values == [Float](repeating: 1, count: 800))
    }

    @Test func planSplitsRowsOrColumnsOnlyForEnoughWork() {
        typealias Plan = BlockedProduct.Plan
        // 197 rows are 17 row slivers (9 + 8) but 1152 columns are 36 column slivers (18 + 18).
        #expect(BlockedProduct.plan(m: 197, n: 1152, k: 384, threads: 2) == Plan(columnParts: 8, threads: 2))
        #expect(BlockedProduct.plan(m: 1576, n: 768, k: 3072, threads: 2) == Plan(rowParts: 8, threads: 2))
        #expect(BlockedProduct.plan(m: 12544, n: 64, k: 147, threads: 2) == Plan(rowParts: 8, threads: 2))
        #expect(BlockedProduct.plan(m: 2048, n: 2048, k: 2048, threads: 1) == Plan())
        #expect(BlockedProduct.plan(m: 2048, n: 2048, k: 2048, threads: 3) == Plan(rowParts: 12, threads: 3))
        // 2.5 M multiply-accumulates: two threads, but parts of at least half a thread's minimum.
        #expect(BlockedProduct.plan(m: 197, n: 197, k: 64, threads: 2) == Plan(rowParts: 4, threads: 2))
        // A 32 × 32 × 32 product is far below the work worth a second thread.
        #expect(BlockedProduct.plan(m: 32, n: 32, k: 32, threads: 2) == Plan())
        // One row sliver and one column sliver cannot be split.
        #expect(BlockedProduct.plan(m: 12, n: 32, k: 100_000, threads: 2) == Plan())
        #expect(BlockedProduct.plan(m: 12, n: 64, k: 100_000, threads: 4) == Plan(columnParts: 2, threads: 2))
    }
}
