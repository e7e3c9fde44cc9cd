/// Copies blocks of A and B into the k-major slivers the micro-kernels read.
///
/// A block of A (mc rows, kc columns) becomes a run of row slivers, 12 rows wide while 12 rows
/// remain and 4 rows wide after that; a sliver holds element (r, p) at `p·width + r`, rows past
/// the end are zero. A sliver that starts at row i starts at `i·kc` in the packed block.
/// A sliver of B (kc rows, up to 32 columns) holds element (p, j) at `p·32 + j`, columns past the
/// end zero.
enum Packing {
    /// The width of the row sliver that starts with `remaining` rows left in the block.
    @inline(__always) static func sliverRows(remaining: Int) -> Int {
        remaining >= MicroKernel.rows ? MicroKernel.rows : MicroKernel.smallRows
    }

    /// Floats a packed A block of up to `rows` × `depth` needs, padding included.
    static func capacityA(rows: Int, depth: Int) -> Int {
        (rows + MicroKernel.smallRows) * depth
    }

    /// Packs A's block of `rows` × `depth` (element (i, p) at `a[i·rowStride + p·colStride]`).
    /// // (mc, kc) → slivers of (kc, 12) and (kc, 4)
    static func packA(
        _ a: UnsafePointer<Float>, rowStride: Int, colStride: Int, rows: Int, depth: Int,
        into dst: UnsafeMutablePointer<Float>
    ) {
        var i = 0
        while i < rows {
            let width = sliverRows(remaining: rows &- i), valid = min(width, rows &- i)
            let out = dst + i &* depth, src = a + i &* rowStride
            if colStride == 1 {
                // Rows of A are contiguous: walk each row once, writing every `width`-th float.
                for r in 0..<valid {
                    let row = src + r &* rowStride
                    var p = 0
                    while p < depth { out[p &* width &+ r] = row[p]; p &+= 1 }
                }
            } else if rowStride == 1 {
                // Columns of A are contiguous: each step of k is one contiguous run of rows.
                var p = 0
                while p < depth {
                    let column = src + p &* colStride, o = out + p &* width
                    for r in 0..<valid { o[r] = column[r] }
                    p &+= 1
                }
            } else {
                var p = 0
                while p < depth {
                    let o = out + p &* width
                    for r in 0..<valid { o[r] = src[r &* rowStride &+ p &* colStride] }
                    p &+= 1
                }
            }
            if valid < width {
                var p = 0
                while p < depth {
                    for r in valid..<width { out[p &* width &+ r] = 0 }
                    p &+= 1
                }
            }
            i &+= width
        }
    }

    /// Packs one sliver of B: `depth` rows × `cols` (≤ 32) columns (element (p, j) at
    /// `b[p·rowStride + j·colStride]`). // (kc, ≤32) → (kc, 32)
    static func packB(
        _ b: UnsafePointer<Float>, rowStride: Int, colStride: Int, depth: Int, cols: Int,
        into dst: UnsafeMutablePointer<Float>
    ) {
        let width = MicroKernel.cols
        if colStride == 1 && cols == width {
            var p = 0
            while p < depth {
                let row = b + p &* rowStride, o = dst + p &* width
                MicroKernel.store(MicroKernel.load(row), o)
                MicroKernel.store(MicroKernel.load(row + 16), o + 16)
                p &+= 1
            }
            return
        }
        if cols < width { (dst).initialize(repeating: 0, count: depth &* width) }
        if colStride == 1 {
            var p = 0
            while p < depth {
                let row = b + p &* rowStride, o = dst + p &* width
                for j in 0..<cols { o[j] = row[j] }
                p &+= 1
            }
        } else {
            // A tile of 8 rows at a time (a linear layer's weight: each column contiguous): 8
            // floats read from each column, the writes within one 1 KiB run of the sliver.
            var p0 = 0
            while p0 &+ 8 <= depth {
                for j in 0..<cols {
                    let column = b + (j &* colStride &+ p0 &* rowStride), o = dst + (p0 &* width &+ j)
                    o[0] = column[0]
                    o[width] = column[rowStride]
                    o[2 &* width] = column[2 &* rowStride]
                    o[3 &* width] = column[3 &* rowStride]
                    o[4 &* width] = column[4 &* rowStride]
                    o[5 &* width] = column[5 &* rowStride]
                    o[6 &* width] = column[6 &* rowStride]
                    o[7 &* width] = column[7 &* rowStride]
                }
                p0 &+= 8
            }
            for j in 0..<cols {
                let column = b + j &* colStride, o = dst + j
                var p = p0
                while p < depth { o[p &* width] = column[p &* rowStride]; p &+= 1 }
            }
        }
    }
}
