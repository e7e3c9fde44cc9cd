/// The operands of one product apart from B: `C = A·B (+ C) (+ bias)`.
struct ProductOperands {
    let m: Int, n: Int, k: Int
    let a: UnsafePointer<Float>, aRowStride: Int, aColStride: Int
    let c: UnsafeMutablePointer<Float>, cRowStride: Int
    let bias: UnsafePointer<Float>?
    let accumulate: Bool
    /// A fault to inject into the first tile of the first part (tests of the counters only).
    var fault: KernelFault? = nil
    /// Work on C's finished values, called once per part, for its rows and columns, on the
    /// thread that computed them while they are in its cache (an activation in the store).
    var epilogue: ((_ rows: Range<Int>, _ columns: Range<Int>) -> Void)? = nil
}

/// The cache-blocked loops around the micro-kernels, and their split over threads.
///
/// For each block of up to 1024 rows of k (one pass over C), each block of up to 144 rows of A
/// (read in place, or packed) meets every 32-column sliver of packed B: a block of A and a sliver
/// of B stay in L2 while the sliver is swept down the block, 12 or 4 rows at a time.
enum BlockedProduct {
    /// Rows of A per block: 144 rows × up to 1024 floats (576 KiB) stay in L2.
    static let rowBlock = 144
    /// Multiply-accumulates each thread must get (about 8 µs of one core's work here) before a
    /// second thread is used: below that, handing work out costs more than it saves.
    static let minimumWorkPerThread = 1 << 20

    /// Floats of scratch one task needs for blocks `depth` deep: a packed block of A, a packed
    /// sliver for A's last rows, and a tile for ragged edges.
    static func scratchCount(depth: Int) -> Int {
        Packing.capacityA(rows: rowBlock, depth: depth) + MicroKernel.smallRows * depth + MicroKernel.rows * MicroKernel.cols
    }

    /// How a product is split: into `rowParts × columnParts` parts (one of them 1), computed by
    /// up to `threads` threads that each take the next part when they finish one.
    struct Plan: Equatable {
        var rowParts = 1, columnParts = 1, threads = 1
    }

    /// Parts per thread: enough that a thread slowed by other load hands work to the others.
    static let partsPerThread = 4

    /// How to split the product over threads.
    ///
    /// Rows are split in whole 12-row slivers or columns in whole 32-column slivers, whichever
    /// shares the slivers out more evenly between the threads (rows on a tie). Each thread does at
    /// least `minimumWork` multiply-accumulates and each part at least half that, so small
    /// products stay on the calling thread.
    static func plan(m: Int, n: Int, k: Int, threads: Int, minimumWork: Int = minimumWorkPerThread) -> Plan {
        let work = m.multipliedReportingOverflow(by: n).partialValue.multipliedReportingOverflow(by: k)
        let macs = work.overflow ? Int.max : work.partialValue
        let rowSlivers = (m + MicroKernel.rows - 1) / MicroKernel.rows
        let columnSlivers = (n + MicroKernel.cols - 1) / MicroKernel.cols
        let limit = macs / max(1, minimumWork)
        let workers = min(threads, limit, max(rowSlivers, columnSlivers))
        guard workers > 1 else { return Plan() }
        // The busiest thread's share, in slivers: the smaller, the better the split.
        let rowLoad = (rowSlivers + workers - 1) / workers * columnSlivers
        let columnLoad = (columnSlivers + workers - 1) / workers * rowSlivers
        let byRows = rowLoad <= columnLoad
        let parts = min(byRows ? rowSlivers : columnSlivers, workers * partsPerThread, max(workers, min(limit, Int.max / 2) * 2))
        return byRows ? Plan(rowParts: parts, threads: workers) : Plan(columnParts: parts, threads: workers)
    }

    /// Runs the whole product with B already packed, split as `plan` says.
    /// - Returns: the multiply-accumulates the micro-kernels ran, summed over the tiles.
    static func run(_ op: ProductOperands, b: PackedPanels, plan: Plan) -> Int {
        Parallel.sum(count: plan.rowParts * plan.columnParts, threads: plan.threads) { part in
            let rows = Parallel.range(of: part / plan.columnParts, in: op.m, parts: plan.rowParts, unit: MicroKernel.rows)
            let slivers = Parallel.range(of: part % plan.columnParts, in: b.slivers, parts: plan.columnParts)
            guard !rows.isEmpty, !slivers.isEmpty else { return 0 }
            var part = op
            if part.fault != nil, rows.lowerBound != 0 || slivers.lowerBound != 0 { part.fault = nil }
            let macs = ScratchPool.shared.withBuffer(count: scratchCount(depth: b.depthBlock)) { scratch in
                runPart(part, b: b, rows: rows, slivers: slivers, scratch: scratch)
            }
            op.epilogue?(rows, slivers.lowerBound * MicroKernel.cols..<min(op.n, slivers.upperBound * MicroKernel.cols))
            return macs
        }
    }

    /// Computes rows `rows` and column slivers `slivers` of C on the calling thread.
    /// - Returns: the multiply-accumulates of the tiles it ran: valid rows × columns × depth.
    ///
    /// Rows of A that are contiguous along k (`aColStride == 1`) are read in place, all but a last
    /// sliver of fewer than 4 rows, which is packed; other layouts of A are packed block by block.
    static func runPart(
        _ op: ProductOperands, b: PackedPanels, rows: Range<Int>, slivers: Range<Int>,
        scratch: UnsafeMutablePointer<Float>
    ) -> Int {
        let packedA = scratch
        let tailA = packedA + Packing.capacityA(rows: rowBlock, depth: b.depthBlock)
        let tile = tailA + MicroKernel.smallRows * b.depthBlock
        let ldc = op.cRowStride, lda = op.aRowStride, inPlace = op.aColStride == 1
        var macs = 0, fault = op.fault
        var pc = 0
        while pc < op.k {
            let kc = min(b.depthBlock, op.k &- pc)
            let accumulate = op.accumulate || pc > 0
            let bias = pc == 0 ? op.bias : nil
            var ic = rows.lowerBound
            while ic < rows.upperBound {
                let mc = min(rowBlock, rows.upperBound &- ic)
                let blockA = op.a + (ic &* lda &+ pc &* op.aColStride)
                // Rows from `tailStart` on sit in a sliver of fewer than 4 rows.
                let tailStart = inPlace ? mc / MicroKernel.rows * MicroKernel.rows + (mc % MicroKernel.rows) / 4 * 4 : mc
                if inPlace {
                    if tailStart < mc {
                        Packing.packA(
                            blockA + tailStart &* lda, rowStride: lda, colStride: 1, rows: mc &- tailStart,
                            depth: kc, into: tailA)
                    }
                } else {
                    Packing.packA(blockA, rowStride: lda, colStride: op.aColStride, rows: mc, depth: kc, into: packedA)
                }
                for jr in slivers {
                    let j0 = jr &* MicroKernel.cols, cols = min(MicroKernel.cols, op.n &- j0)
                    let bp = b.sliver(depthStart: pc, index: jr)
                    let biasJ = bias.map { $0 + j0 }
                    var i = 0
                    while i < mc {
                        let width = Packing.sliverRows(remaining: mc &- i), valid = min(width, mc &- i)
                        let ap: UnsafePointer<Float>, ars: Int, aStep: Int
                        if !inPlace {
                            (ap, ars, aStep) = (UnsafePointer(packedA + i &* kc), 1, width)
                        } else if i < tailStart {
                            (ap, ars, aStep) = (blockA + i &* lda, lda, 1)
                        } else {
                            (ap, ars, aStep) = (UnsafePointer(tailA), 1, MicroKernel.smallRows)
                        }
                        let cp = op.c + ((ic &+ i) &* ldc &+ j0)
                        // One run per tile; an injected fault skips the part's first tile or runs it twice.
                        var runs = 1
                        if let injected = fault {
                            runs = injected.runs
                            fault = nil
                        }
                        let direct = valid == width && (cols == MicroKernel.cols || cols == 16)
                        for _ in 0..<runs {
                            if direct {
                                kernel(
                                    rows: width, cols: cols, kc: kc, a: ap, aRowStride: ars, aStep: aStep, b: bp,
                                    c: cp, ldc: ldc, accumulate: accumulate, bias: biasJ)
                            } else {
                                kernel(
                                    rows: width, cols: cols, kc: kc, a: ap, aRowStride: ars, aStep: aStep, b: bp,
                                    c: tile, ldc: MicroKernel.cols, accumulate: false, bias: nil)
                                merge(tile, rows: valid, cols: cols, into: cp, ldc: ldc, accumulate: accumulate, bias: biasJ)
                            }
                        }
                        macs &+= runs &* valid &* cols &* kc
                        i &+= width
                    }
                }
                ic &+= mc
            }
            pc &+= kc
        }
        return macs
    }

    /// The kernel for a sliver of `rows` (12 or 4) rows and `cols` (≤ 32) columns.
    @inline(__always)
    static func kernel(
        rows: Int, cols: Int, kc: Int, a: UnsafePointer<Float>, aRowStride: Int, aStep: Int,
        b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool,
        bias: UnsafePointer<Float>?
    ) {
        let bStep = MicroKernel.cols
        switch (rows == MicroKernel.rows, cols > 16) {
        case (true, true):
            MicroKernel.tile12x32(
                kc: kc, a: a, aRowStride: aRowStride, aStep: aStep, b: b, bStep: bStep,
                c: c, ldc: ldc, accumulate: accumulate, bias: bias)
        case (true, false):
            MicroKernel.tile12x16(
                kc: kc, a: a, aRowStride: aRowStride, aStep: aStep, b: b, bStep: bStep,
                c: c, ldc: ldc, accumulate: accumulate, bias: bias)
        case (false, true):
            MicroKernel.tile4x32(
                kc: kc, a: a, aRowStride: aRowStride, aStep: aStep, b: b, bStep: bStep,
                c: c, ldc: ldc, accumulate: accumulate, bias: bias)
        case (false, false):
            MicroKernel.tile4x16(
                kc: kc, a: a, aRowStride: aRowStride, aStep: aStep, b: b, bStep: bStep,
                c: c, ldc: ldc, accumulate: accumulate, bias: bias)
        }
    }

    /// Adds the valid `rows × cols` corner of a 32-wide tile into C (or stores it).
    ///
    /// C is read only when accumulating: the ragged sliver's part of C is usually not in cache, and
    /// a load there waits for memory where a store would not.
    static func merge(
        _ tile: UnsafePointer<Float>, rows: Int, cols: Int, into c: UnsafeMutablePointer<Float>, ldc: Int,
        accumulate: Bool, bias: UnsafePointer<Float>?
    ) {
        for r in 0..<rows {
            let t = tile + r &* MicroKernel.cols, o = c + r &* ldc
            switch (accumulate, bias) {
            case (true, let bias?): for j in 0..<cols { o[j] = o[j] + (t[j] + bias[j]) }
            case (true, nil): for j in 0..<cols { o[j] = o[j] + t[j] }
            case (false, let bias?): for j in 0..<cols { o[j] = t[j] + bias[j] }
            case (false, nil): o.update(from: t, count: cols)
            }
        }
    }
}
