/// Single-precision matrix products over raw pointers with arbitrary strides.
///
/// Matrices are row-major views: element (i, p) of A is `a[i·aRowStride + p·aColStride]`, element
/// (p, j) of B is `b[p·bRowStride + j·bColStride]`, element (i, j) of C is `c[i·cRowStride + j]`.
/// A transposed operand is the same memory with the strides swapped, e.g. a linear layer's weight
/// W (out, in) read as B = Wᵀ has `bRowStride: 1, bColStride: in`. C must not overlap A, B or bias.
/// Every function is safe to call from several threads at once on disjoint outputs.
public enum GEMM {
    /// `C = A·B (+ C when accumulate) (+ bias[j] on every row when bias != nil)`.
    /// // (m, k) · (k, n) → (m, n)
    ///
    /// Packs B, then runs the cache-blocked SIMD kernels; small products run on the calling thread
    /// whatever `threads` says. For many small independent products (attention heads), run them
    /// with `threads: 1` inside one `Parallel.forEach` over the products instead.
    /// - Parameters:
    ///   - m: rows of A and C; n: columns of B and C; k: columns of A, rows of B (any may be 0).
    ///   - bias: `n` values added to every row of C, or `nil`.
    ///   - accumulate: add the product to C's contents instead of overwriting them.
    ///   - threads: the most threads to use.
    /// - Returns: the multiply-accumulates the micro-kernels ran, counted tile by tile
    ///   (`m · n · k` when every tile ran once).
    @discardableResult
    public static func multiply(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, aRowStride: Int, aColStride: Int,
        b: UnsafePointer<Float>, bRowStride: Int, bColStride: Int,
        c: UnsafeMutablePointer<Float>, cRowStride: Int,
        bias: UnsafePointer<Float>? = nil, accumulate: Bool = false, threads: Int = 1
    ) -> Int {
        multiply(
            m: m, n: n, k: k, a: a, aRowStride: aRowStride, aColStride: aColStride, b: b, bRowStride: bRowStride,
            bColStride: bColStride, c: c, cRowStride: cRowStride, bias: bias, accumulate: accumulate, threads: threads,
            fault: nil)
    }

    /// `multiply` with a fault injected into its first tile (the kernels pass their node's fault on).
    static func multiply(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, aRowStride: Int, aColStride: Int,
        b: UnsafePointer<Float>, bRowStride: Int, bColStride: Int,
        c: UnsafeMutablePointer<Float>, cRowStride: Int,
        bias: UnsafePointer<Float>? = nil, accumulate: Bool = false, threads: Int = 1,
        fault: KernelFault?
    ) -> Int {
        let operands = ProductOperands(
            m: m, n: n, k: k, a: a, aRowStride: aRowStride, aColStride: aColStride,
            c: c, cRowStride: cRowStride, bias: bias, accumulate: accumulate, fault: fault)
        return product(
            operands, b: b, bRowStride: bRowStride, bColStride: bColStride, threads: threads,
            minimumWork: BlockedProduct.minimumWorkPerThread)
    }

    /// `multiply` with the least work per thread as a parameter (tests lower it to reach the
    /// threaded paths with small matrices).
    @discardableResult
    static func product(
        _ op: ProductOperands, b: UnsafePointer<Float>, bRowStride: Int, bColStride: Int,
        threads: Int, minimumWork: Int
    ) -> Int {
        precondition(op.m >= 0 && op.n >= 0 && op.k >= 0, "GEMM sizes must not be negative: m \(op.m), n \(op.n), k \(op.k)")
        guard op.m > 0, op.n > 0 else { return 0 }
        guard op.k > 0 else {
            fillWithoutProduct(m: op.m, n: op.n, c: op.c, cRowStride: op.cRowStride, bias: op.bias, accumulate: op.accumulate)
            return 0
        }
        let plan = BlockedProduct.plan(m: op.m, n: op.n, k: op.k, threads: threads, minimumWork: minimumWork)
        return ScratchPool.shared.withBuffer(count: PackedPanels.capacity(k: op.k, n: op.n)) { data in
            let panels = PackedPanels(k: op.k, n: op.n, data: data)
            panels.pack(b, bRowStride: bRowStride, bColStride: bColStride, threads: plan.threads)
            return BlockedProduct.run(op, b: panels, plan: plan)
        }
    }

    /// The plain triple loop with the contract of `multiply`, kept as the reference the optimized
    /// path is tested against. Sums over p in order, in single precision. // (m, k) · (k, n)
    public static func naive(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, aRowStride: Int, aColStride: Int,
        b: UnsafePointer<Float>, bRowStride: Int, bColStride: Int,
        c: UnsafeMutablePointer<Float>, cRowStride: Int,
        bias: UnsafePointer<Float>? = nil, accumulate: Bool = false, threads: Int = 1
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "GEMM sizes must not be negative: m \(m), n \(n), k \(k)")
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k { sum += a[i * aRowStride + p * aColStride] * b[p * bRowStride + j * bColStride] }
                if let bias { sum += bias[j] }
                let o = c + i * cRowStride + j
                o.pointee = accumulate ? o.pointee + sum : sum
            }
        }
    }

    /// C for k = 0: `bias` (or 0) on every row, added to C when accumulating.
    static func fillWithoutProduct(
        m: Int, n: Int, c: UnsafeMutablePointer<Float>, cRowStride: Int,
        bias: UnsafePointer<Float>?, accumulate: Bool
    ) {
        for i in 0..<m {
            let row = c + i * cRowStride
            for j in 0..<n {
                let v = bias?[j] ?? 0
                row[j] = accumulate ? row[j] + v : v
            }
        }
    }

    /// Uninitialized storage for `count` floats, 64-byte aligned; free with `deallocate()`.
    static func allocateFloats(_ count: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: max(count, 1))
    }
}
