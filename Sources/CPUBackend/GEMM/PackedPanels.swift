/// A matrix B (k, n) in the layout the micro-kernels read: blocks of `depthBlock` rows of k (the
/// last block shorter), each block a run of 32-column slivers, each sliver k-major and zero-padded
/// to 32 columns.
///
/// The block of rows `pc..<pc+kc` starts at `pc · paddedN`; its sliver `jr` at
/// `pc · paddedN + jr · kc · 32`. The storage is not owned: `PackedMatrix` and `GEMM.multiply`
/// own theirs.
struct PackedPanels {
    /// The most rows of k per block. Each block is one pass over C, so blocks are long; a sliver
    /// of B (up to 128 KiB) and a block of A stay in L2.
    static let maxDepthBlock = 1024

    let k: Int
    let n: Int
    let data: UnsafeMutablePointer<Float>
    /// Rows of k per block: k split into equal blocks of at most `maxDepthBlock`.
    let depthBlock: Int

    init(k: Int, n: Int, data: UnsafeMutablePointer<Float>) {
        self.k = k
        self.n = n
        self.data = data
        let blocks = max(1, (k + Self.maxDepthBlock - 1) / Self.maxDepthBlock)
        depthBlock = max(1, (k + blocks - 1) / blocks)
    }

    /// The number of 32-column slivers.
    var slivers: Int { (n + MicroKernel.cols - 1) / MicroKernel.cols }
    /// n rounded up to whole slivers.
    var paddedN: Int { slivers * MicroKernel.cols }

    /// Floats the packed form of a (k, n) matrix takes.
    static func capacity(k: Int, n: Int) -> Int {
        max(1, k * ((n + MicroKernel.cols - 1) / MicroKernel.cols) * MicroKernel.cols)
    }

    /// The sliver of columns `32·jr ..< 32·jr + 32` of the block of rows starting at `pc`.
    @inline(__always) func sliver(depthStart pc: Int, index jr: Int) -> UnsafePointer<Float> {
        let kc = min(depthBlock, k &- pc)
        return UnsafePointer(data + (pc &* paddedN &+ jr &* kc &* MicroKernel.cols))
    }

    /// Writes B back out of `data`, element (p, j) to `b[p·bRowStride + j·bColStride]`: the
    /// inverse of `pack`.
    func unpack(into b: UnsafeMutablePointer<Float>, bRowStride: Int, bColStride: Int) {
        var pc = 0
        while pc < k {
            let kc = min(depthBlock, k - pc)
            for jr in 0..<slivers {
                let source = sliver(depthStart: pc, index: jr), j0 = jr * MicroKernel.cols
                for p in 0..<kc {
                    let target = b + (pc + p) * bRowStride + j0 * bColStride, row = source + p * MicroKernel.cols
                    for j in 0..<min(MicroKernel.cols, n - j0) { target[j * bColStride] = row[j] }
                }
            }
            pc += kc
        }
    }

    /// Packs B (element (p, j) at `b[p·bRowStride + j·bColStride]`) into `data`, splitting the
    /// slivers over up to `threads` threads. // (k, n) → blocks of (kc, 32) slivers
    func pack(_ b: UnsafePointer<Float>, bRowStride: Int, bColStride: Int, threads: Int) {
        let blocks = (k + depthBlock - 1) / depthBlock, slivers = self.slivers
        let units = blocks * slivers
        // Threads only pay off when there is a good deal to copy.
        let parts = k * n >= 1 << 16 ? min(units, threads * BlockedProduct.partsPerThread) : 1
        Parallel.forEach(count: parts, threads: threads) { part in
            for unit in Parallel.range(of: part, in: units, parts: parts) {
                let block = unit / slivers, jr = unit % slivers
                let pc = block * depthBlock, kc = min(depthBlock, k - pc)
                let j0 = jr * MicroKernel.cols
                Packing.packB(
                    b + (pc * bRowStride + j0 * bColStride), rowStride: bRowStride, colStride: bColStride,
                    depth: kc, cols: min(MicroKernel.cols, n - j0),
                    into: data + (pc * paddedN + jr * kc * MicroKernel.cols))
            }
        }
    }
}
