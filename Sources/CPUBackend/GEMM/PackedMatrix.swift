/// A right-hand operand B (k, n) packed once into the micro-kernels' layout and reused for many
/// left-hand operands, as a linear layer's weight is: W (out, in) used as B = Wᵀ is
/// `PackedMatrix(k: in, n: out, b: w, bRowStride: 1, bColStride: in)`.
///
/// Immutable after `init`, so `multiply` may run on several threads at once.
public final class PackedMatrix: @unchecked Sendable {
    /// Rows of B (the depth of the product).
    public let k: Int
    /// Columns of B (and of every product).
    public let n: Int
    private let panels: PackedPanels

    /// Packs B (element (p, j) at `b[p·bRowStride + j·bColStride]`); B may be freed afterwards.
    /// // (k, n)
    public init(k: Int, n: Int, b: UnsafePointer<Float>, bRowStride: Int, bColStride: Int) {
        precondition(k >= 0 && n >= 0, "PackedMatrix sizes must not be negative: k \(k), n \(n)")
        self.k = k
        self.n = n
        panels = PackedPanels(k: k, n: n, data: GEMM.allocateFloats(PackedPanels.capacity(k: k, n: n)))
        panels.pack(b, bRowStride: bRowStride, bColStride: bColStride, threads: 1)
    }

    deinit { UnsafeMutableRawPointer(panels.data).deallocate() }

    /// Writes B back out, element (p, j) to `b[p·bRowStride + j·bColStride]`. // (k, n)
    public func unpack(into b: UnsafeMutablePointer<Float>, bRowStride: Int, bColStride: Int) {
        panels.unpack(into: b, bRowStride: bRowStride, bColStride: bColStride)
    }

    /// `C = A·B (+ C when accumulate) (+ bias[j] on every row)`, with the contract of
    /// `GEMM.multiply`, returning the multiply-accumulates it ran. // (m, k) · (k, n) → (m, n)
    @discardableResult
    public func multiply(
        m: Int, a: UnsafePointer<Float>, aRowStride: Int, aColStride: Int,
        c: UnsafeMutablePointer<Float>, cRowStride: Int,
        bias: UnsafePointer<Float>? = nil, accumulate: Bool = false, threads: Int = 1
    ) -> Int {
        multiply(
            m: m, a: a, aRowStride: aRowStride, aColStride: aColStride, c: c, cRowStride: cRowStride, bias: bias,
            accumulate: accumulate, threads: threads, fault: nil)
    }

    /// `multiply` with a fault injected into its first tile, and an epilogue on C's finished
    /// values (see ``ProductOperands/epilogue``).
    func multiply(
        m: Int, a: UnsafePointer<Float>, aRowStride: Int, aColStride: Int,
        c: UnsafeMutablePointer<Float>, cRowStride: Int,
        bias: UnsafePointer<Float>? = nil, accumulate: Bool = false, threads: Int = 1, fault: KernelFault?,
        epilogue: ((_ rows: Range<Int>, _ columns: Range<Int>) -> Void)? = nil
    ) -> Int {
        let operands = ProductOperands(
            m: m, n: n, k: k, a: a, aRowStride: aRowStride, aColStride: aColStride,
            c: c, cRowStride: cRowStride, bias: bias, accumulate: accumulate, fault: fault, epilogue: epilogue)
        return product(operands, threads: threads, minimumWork: BlockedProduct.minimumWorkPerThread)
    }

    /// `multiply` with the least work per thread as a parameter (see `GEMM.product`).
    @discardableResult
    func product(_ op: ProductOperands, threads: Int, minimumWork: Int) -> Int {
        precondition(op.m >= 0, "GEMM sizes must not be negative: m \(op.m)")
        guard op.m > 0, n > 0 else { return 0 }
        guard k > 0 else {
            GEMM.fillWithoutProduct(m: op.m, n: n, c: op.c, cRowStride: op.cRowStride, bias: op.bias, accumulate: op.accumulate)
            op.epilogue?(0..<op.m, 0..<n)
            return 0
        }
        return BlockedProduct.run(op, b: panels, plan: BlockedProduct.plan(m: op.m, n: n, k: k, threads: threads, minimumWork: minimumWork))
    }
}
