import Dispatch
import Foundation

/// The machine's float32 multiply-add peak as the kernels are compiled: independent chains of
/// 16-lane fused multiply-adds (`a·b + c`), enough of them to cover the instruction's latency on
/// every FMA port, on `threads` threads at once, each its own OS thread.
public enum FMAPeak {
    /// Independent 16-lane accumulators per thread: 12 fill 12 of AVX-512's 32 registers, 6 fill
    /// 12 of AVX2's 16 (each 16 lanes there is two 8-lane registers); either is at least the
    /// latency (4 cycles) times two FMA ports.
    #if VITSCOPE_AVX512
        public static let chains = 12
    #else
        public static let chains = 6
    #endif

    /// One measurement: floating-point operations per second (2 per lane per multiply-add) of
    /// `threads` threads running chains for `iterations` steps each, timed from the first
    /// thread's start to the last one's end.
    public static func rate(threads: Int, iterations: Int) -> Double {
        let threads = max(1, threads)
        let sinks = Sinks(count: threads)
        let group = DispatchGroup()
        let start = DispatchTime.now().uptimeNanoseconds
        for t in 0..<threads {
            group.enter()
            let thread = Thread {
                sinks.set(t, run(iterations: iterations, seed: Float(t + 1)))
                group.leave()
            }
            thread.start()
        }
        group.wait()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        // The chains' sum is read, so no chain can be left out of the loop.
        precondition(sinks.total.isFinite, "FMA chains diverged")
        let flops = Double(threads) * Double(iterations) * Double(chains * Vec.scalarCount * 2)
        return flops / max(seconds, 1e-9)
    }

    /// The best of `rounds` measurements of about `seconds` each, in GFLOP/s: the peak is the
    /// fastest the machine ran, so other load on it shows as a lower figure, never a higher one.
    public static func measure(threads: Int, seconds: Double = 0.2, rounds: Int = 3) -> Double {
        // Calibrate the iterations on one short run, then time the rounds.
        let probe = 1 << 16
        let probeRate = rate(threads: threads, iterations: probe)
        let perIteration = Double(chains * Vec.scalarCount * 2 * max(1, threads)) / probeRate
        let iterations = max(probe, Int(seconds / max(perIteration, 1e-12)))
        var best = 0.0
        for _ in 0..<max(1, rounds) { best = max(best, rate(threads: threads, iterations: iterations)) }
        return best / 1e9
    }

    /// `iterations` steps of every chain, `acc ← acc·m + c`, converging to `c / (1 − m)`; the
    /// sum of the chains' lanes.
    @inline(never)
    static func run(iterations: Int, seed: Float) -> Float {
        let m = Vec(repeating: 0.999_999), c = Vec(repeating: 1e-6 * seed)
        #if VITSCOPE_AVX512
            var (a0, a1, a2, a3, a4, a5) = (Vec(repeating: seed), Vec(repeating: 2), Vec(repeating: 3), Vec(), Vec(), Vec())
            var (a6, a7, a8, a9, a10, a11) = (Vec(repeating: 1), Vec(), Vec(), Vec(), Vec(), Vec())
            for _ in 0..<iterations {
                a0 = VectorMath.fma(a0, m, c)
                a1 = VectorMath.fma(a1, m, c)
                a2 = VectorMath.fma(a2, m, c)
                a3 = VectorMath.fma(a3, m, c)
                a4 = VectorMath.fma(a4, m, c)
                a5 = VectorMath.fma(a5, m, c)
                a6 = VectorMath.fma(a6, m, c)
                a7 = VectorMath.fma(a7, m, c)
                a8 = VectorMath.fma(a8, m, c)
                a9 = VectorMath.fma(a9, m, c)
                a10 = VectorMath.fma(a10, m, c)
                a11 = VectorMath.fma(a11, m, c)
            }
            let sum = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11))
        #else
            var (a0, a1, a2, a3, a4, a5) = (Vec(repeating: seed), Vec(repeating: 2), Vec(repeating: 3), Vec(), Vec(), Vec())
            for _ in 0..<iterations {
                a0 = VectorMath.fma(a0, m, c)
                a1 = VectorMath.fma(a1, m, c)
                a2 = VectorMath.fma(a2, m, c)
                a3 = VectorMath.fma(a3, m, c)
                a4 = VectorMath.fma(a4, m, c)
                a5 = VectorMath.fma(a5, m, c)
            }
            let sum = (a0 + a1) + (a2 + a3) + (a4 + a5)
        #endif
        return sum.sum()
    }
}

/// One float per thread, written under a lock.
private final class Sinks: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Float]

    init(count: Int) { values = Array(repeating: 0, count: count) }

    func set(_ index: Int, _ value: Float) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }

    var total: Float {
        lock.lock()
        defer { lock.unlock() }
        return values.reduce(0, +)
    }
}
