import Foundation

/// Runs independent pieces of work on several threads.
public enum Parallel {
    /// The number of threads the machine offers (its active processors), at least 1.
    public static let processorCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Calls `body(index)` once for each `index` in `0..<count`, on up to `threads` threads (the
    /// calling one included), and returns when all calls have returned.
    ///
    /// Indices are handed out in order, a few at a time (about four hand-outs per thread), to
    /// whichever thread is free, so a thread slowed by other load on the machine takes fewer.
    /// With `threads <= 1` or `count <= 1`, or when called from inside another `forEach` (or
    /// while one runs on another thread), every call runs on the calling thread, in order. The
    /// calls must not wait for one another.
    /// - Parameters:
    ///   - count: the number of indices.
    ///   - threads: the most threads to use.
    ///   - body: the work for one index; it must be safe to call concurrently.
    public static func forEach(count: Int, threads: Int, _ body: (Int) -> Void) {
        let threads = min(threads, count)
        if threads <= 1 {
            for index in 0..<max(count, 0) { body(index) }
            return
        }
        let chunk = (count + 4 * threads - 1) / (4 * threads)
        WorkerPool.shared.run(count: count, threads: threads, chunk: chunk, body)
    }

    /// ``forEach(count:threads:_:)`` that adds up what the calls return: the work each piece
    /// counted as it ran.
    public static func sum(count: Int, threads: Int, _ body: (Int) -> Int) -> Int {
        if min(threads, count) <= 1 {
            var total = 0
            for index in 0..<max(count, 0) { total += body(index) }
            return total
        }
        let total = Tally()
        forEach(count: count, threads: threads) { index in total.add(body(index)) }
        return total.value
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
}

/// A sum that several threads add to, under a lock.
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0

    func add(_ amount: Int) { lock.withLock { total += amount } }
    var value: Int { lock.withLock { total } }
}
