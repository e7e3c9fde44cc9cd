import Dispatch
import Foundation

/// Runs independent pieces of work on several threads.
public enum Parallel {
    /// The number of threads the machine offers (its active processors), at least 1.
    public static let processorCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Calls `body(index)` once for each `index` in `0..<count`, on up to `threads` threads, and
    /// returns when all calls have returned.
    ///
    /// With `threads <= 1` or `count <= 1` every call runs on the calling thread, in order. Otherwise
    /// the indices are dealt out in `min(threads, count)` contiguous runs, one per task of
    /// `DispatchQueue.concurrentPerform`. The calls must not depend on each other (no waiting on one
    /// another: Dispatch may run the tasks one after the other).
    /// - Parameters:
    ///   - count: the number of indices.
    ///   - threads: the most threads to use.
    ///   - body: the work for one index; it must be safe to call concurrently.
    public static func forEach(count: Int, threads: Int, _ body: (Int) -> Void) {
        let tasks = min(threads, count)
        if tasks <= 1 {
            for index in 0..<max(count, 0) { body(index) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = Body(body)
            DispatchQueue.concurrentPerform(iterations: tasks) { task in
                // Task t gets the indices [t·count/tasks, (t+1)·count/tasks).
                let start = task * count / tasks, end = (task + 1) * count / tasks
                for index in start..<end { box.body(index) }
            }
        }
    }

    /// Calls `body(index)` once for each `index` in `0..<count`, on up to `threads` threads, handing
    /// the indices out one at a time, in order, to whichever thread is free. A thread slowed by
    /// other work on the machine then takes fewer indices. Meant for a few dozen expensive calls
    /// (each hand-out takes a lock); `forEach` suits many cheap ones.
    /// - Parameters: as for `forEach`.
    public static func forEachDynamic(count: Int, threads: Int, _ body: (Int) -> Void) {
        let tasks = min(threads, count)
        if tasks <= 1 {
            for index in 0..<max(count, 0) { body(index) }
            return
        }
        let counter = Counter(limit: count)
        withoutActuallyEscaping(body) { body in
            let box = Body(body)
            DispatchQueue.concurrentPerform(iterations: tasks) { _ in
                while let index = counter.next() { box.body(index) }
            }
        }
    }

    /// Splits `0..<count` into `parts` contiguous ranges whose lengths differ by at most one
    /// `unit`, each a multiple of `unit` except possibly the last, and returns range `part`.
    /// - Parameters:
    ///   - count: the extent to split.
    ///   - parts: how many ranges (at least 1).
    ///   - part: which range, `0..<parts`.
    ///   - unit: the granularity of the split points (at least 1).
    public static func range(of part: Int, in count: Int, parts: Int, unit: Int = 1) -> Range<Int> {
        let units = (count + unit - 1) / unit
        let start = min(count, part * units / parts * unit)
        let end = min(count, (part + 1) * units / parts * unit)
        return start..<end
    }

    /// Hands out 0, 1, 2, … up to `limit` (excluded), one per call, from any thread.
    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        private let limit: Int

        init(limit: Int) { self.limit = limit }

        func next() -> Int? {
            lock.withLock {
                guard value < limit else { return nil }
                defer { value += 1 }
                return value
            }
        }
    }

    /// A non-escaping closure carried into `concurrentPerform`'s `@Sendable` block; the caller
    /// promises the closure is safe to call from several threads at once.
    private struct Body: @unchecked Sendable {
        let body: (Int) -> Void
        init(_ body: @escaping (Int) -> Void) { self.body = body }
    }
}
