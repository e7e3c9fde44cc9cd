import Dispatch
import Foundation

/// A fixed set of worker threads that run one parallel loop at a time together with the thread
/// that starts it.
///
/// Why not `DispatchQueue.concurrentPerform`: on Linux its second thread often joins a loop only
/// after hundreds of microseconds (measured on a 2-core VM), so loops shorter than a few
/// milliseconds ran on one thread. Here workers that have just finished a loop keep polling for
/// `spinTime` before they block, and a new loop wakes blocked ones, so back-to-back loops (a
/// forward pass) find them ready.
///
/// A loop started while another is running (a nested or concurrent call) runs on its own
/// thread, alone, so loops never wait for one another.
final class WorkerPool: @unchecked Sendable {
    /// One worker per processor beyond the first.
    static let shared = WorkerPool(workers: Parallel.processorCount - 1)
    /// How long an idle worker keeps polling for the next loop before it blocks.
    static let spinTime: UInt64 = 1_000_000

    private let workerCount: Int
    /// Guards every field below; workers block on it.
    private let condition = NSCondition()
    private var started = false
    /// A loop owns the pool.
    private var busy = false
    /// Bumped for every loop, so a worker joins each loop at most once.
    private var generation = 0
    /// The current loop: its body (nil once all its indices are handed out), extent, chunk size.
    private var body: ((Int) -> Void)?
    private var count = 0, chunk = 1, next = 0
    /// Workers that may still join the current loop, and workers inside it.
    private var seats = 0, active = 0

    init(workers: Int) { workerCount = max(0, workers) }

    /// Calls `body(i)` for `i` in `0..<count`, on the calling thread and up to `threads - 1`
    /// workers, handing out `chunk` consecutive indices at a time. Returns when all calls have
    /// returned; if the pool is busy, runs every call on the calling thread.
    func run(count: Int, threads: Int, chunk: Int, _ body: (Int) -> Void) {
        condition.lock()
        if busy || workerCount == 0 {
            condition.unlock()
            for index in 0..<count { body(index) }
            return
        }
        busy = true
        startWorkersIfNeeded()
        withoutActuallyEscaping(body) { body in
            self.body = body
            self.count = count
            self.chunk = max(1, chunk)
            next = 0
            seats = min(threads - 1, workerCount)
            generation &+= 1
            condition.broadcast()
            condition.unlock()
            participate()
            // Every index is handed out: close the loop, then wait for the workers still in it.
            condition.lock()
            self.body = nil
            seats = 0
            let start = DispatchTime.now().uptimeNanoseconds
            while active > 0 {
                if DispatchTime.now().uptimeNanoseconds - start < 50_000 {
                    condition.unlock()
                    sched_yield()
                    condition.lock()
                } else {
                    condition.wait()
                }
            }
        }
        busy = false
        condition.unlock()
    }

    /// Claims chunks of the current loop and runs them until none are left.
    private func participate() {
        while true {
            condition.lock()
            guard let body, next < count else {
                condition.unlock()
                return
            }
            let start = next, end = min(count, next + chunk)
            next = end
            condition.unlock()
            for index in start..<end { body(index) }
        }
    }

    private func startWorkersIfNeeded() {
        guard !started else { return }
        started = true
        for _ in 0..<workerCount {
            let thread = Thread { [unowned self] in self.work() }
            thread.name = "vitscope-worker"
            thread.start()
        }
    }

    /// A worker's life: wait for a loop it has not joined, join it if a seat is free, repeat.
    private func work() {
        var seen = 0
        condition.lock()
        while true {
            if generation == seen {
                waitForNewLoop(after: seen)
                continue
            }
            seen = generation
            guard seats > 0, body != nil else { continue }
            seats -= 1
            active += 1
            condition.unlock()
            participate()
            condition.lock()
            active -= 1
            if active == 0 { condition.broadcast() }
        }
    }

    /// Polls for a new loop for `spinTime`, then blocks. Called and returns with the lock held.
    private func waitForNewLoop(after seen: Int) {
        let start = DispatchTime.now().uptimeNanoseconds
        while generation == seen && DispatchTime.now().uptimeNanoseconds - start < Self.spinTime {
            condition.unlock()
            sched_yield()
            condition.lock()
        }
        if generation == seen { condition.wait() }
    }
}
