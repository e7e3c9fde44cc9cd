import Dispatch

extension GEMM {
    /// Times `multiply` on square (size, size) · (size, size) matrices: one untimed warm-up run,
    /// then `runs` timed runs. GFLOP/s is 2·size³ / median seconds.
    /// - Returns: the median and fastest run in seconds, and GFLOP/s at the median.
    public static func benchmark(size: Int, runs: Int, threads: Int) -> (medianSeconds: Double, minSeconds: Double, gflops: Double) {
        benchmark(m: size, n: size, k: size, runs: runs, threads: threads, prepacked: false)
    }

    /// Times one product shape: `(m, k) · (k, n)`, GFLOP/s = 2·m·n·k / median seconds.
    ///
    /// With `prepacked`, B is a linear layer's weight (n, k) read transposed and packed once into a
    /// `PackedMatrix` before timing, as the backend does with weights; otherwise each run calls
    /// `multiply` on a row-major B, packing included.
    /// - Parameters:
    ///   - runs: timed runs (at least 1), after one untimed warm-up run.
    ///   - threads: the most threads each product may use.
    public static func benchmark(
        m: Int, n: Int, k: Int, runs: Int, threads: Int,
        prepacked: Bool
    ) -> (medianSeconds: Double, minSeconds: Double, gflops: Double) {
        precondition(m > 0 && n > 0 && k > 0 && runs > 0, "benchmark sizes and runs must be positive")
        let a = allocateFloats(m * k), b = allocateFloats(k * n), c = allocateFloats(m * n)
        defer { for p in [a, b, c] { UnsafeMutableRawPointer(p).deallocate() } }
        fillPseudoRandom(a, count: m * k, seed: 1)
        fillPseudoRandom(b, count: k * n, seed: 2)
        c.initialize(repeating: 0, count: m * n)
        let packed = prepacked ? PackedMatrix(k: k, n: n, b: b, bRowStride: 1, bColStride: k) : nil
        let product = {
            if let packed {
                packed.multiply(m: m, a: a, aRowStride: k, aColStride: 1, c: c, cRowStride: n, threads: threads)
            } else {
                multiply(
                    m: m, n: n, k: k, a: a, aRowStride: k, aColStride: 1, b: b, bRowStride: n, bColStride: 1,
                    c: c, cRowStride: n, threads: threads)
            }
        }
        _ = product()
        var seconds: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = product()
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
        }
        seconds.sort()
        let median =
            seconds.count % 2 == 1
            ? seconds[seconds.count / 2]
            : (seconds[seconds.count / 2 - 1] + seconds[seconds.count / 2]) / 2
        return (median, seconds[0], 2 * Double(m) * Double(n) * Double(k) / median / 1e9)
    }

    /// Fills `count` floats with values in [-1, 1) from a fixed linear congruential sequence.
    static func fillPseudoRandom(_ p: UnsafeMutablePointer<Float>, count: Int, seed: UInt64) {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        for i in 0..<count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            p[i] = Float(Int32(truncatingIfNeeded: state >> 32)) / 2_147_483_648
        }
    }
}
