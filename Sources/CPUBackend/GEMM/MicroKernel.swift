/// The register-blocked inner kernels: a (rows, kc) · (kc, 32) product held in SIMD16 registers
/// (rows 12 or 4), and (rows, kc) · (kc, 16) for a last sliver of B with at most 16 columns.
///
/// Element (r, p) of the A sliver is `a[r·aRowStride + p·aStep]`: `(1, rows)` for a packed sliver,
/// `(row stride, 1)` for rows of A read in place (as fast: the addresses are cheap integer work).
/// B is a sliver of 32 contiguous values per step of k, `bStep` floats apart (32 when packed).
/// Each kernel ends by writing its tile to C: `tile (+ C when accumulate) (+ bias)`.
enum MicroKernel {
    typealias Vector = SIMD16<Float>
    /// Rows of the large kernel: 12 × 2 accumulators take 24 of AVX-512's 32 vector registers.
    static let rows = 12
    /// Rows of the small kernel, used for the last rows of a block.
    static let smallRows = 4
    /// Columns of both kernels: two SIMD16 vectors.
    static let cols = 32

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always) static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }

    /// c0 += a·b0 and, when `wide`, c1 += a·b1: fused multiply-adds where the target has them
    /// (`VITSCOPE_FMA`, set by Package.swift), a multiply then an add elsewhere.
    @inline(__always) static func step(
        _ c0: inout Vector, _ c1: inout Vector, _ a: Float, _ b0: Vector, _ b1: Vector,
        _ wide: Bool
    ) {
        let x = Vector(repeating: a)
        #if VITSCOPE_FMA
            c0 = c0.addingProduct(x, b0)
            if wide { c1 = c1.addingProduct(x, b1) }
        #else
            c0 = c0 + x * b0
            if wide { c1 = c1 + x * b1 }
        #endif
    }

    /// Writes one row of the tile: `c[0..<32] = acc (+ c) + bias`, or `c[0..<16]` unless `wide`.
    @inline(__always) static func finish(
        _ c0: Vector, _ c1: Vector, _ c: UnsafeMutablePointer<Float>,
        _ accumulate: Bool, _ bias: (Vector, Vector), _ wide: Bool
    ) {
        var r0 = c0 + bias.0, r1 = c1 + bias.1
        if accumulate {
            r0 = r0 + load(c)
            if wide { r1 = r1 + load(c + 16) }
        }
        store(r0, c)
        if wide { store(r1, c + 16) }
    }

    /// The bias vectors for a tile, zero without a bias.
    @inline(__always) static func biasVectors(_ bias: UnsafePointer<Float>?, _ wide: Bool) -> (Vector, Vector) {
        guard let bias else { return (Vector(), Vector()) }
        return (load(bias), wide ? load(bias + 16) : Vector())
    }

    // With AVX-512 (`VITSCOPE_AVX512`, set by Package.swift) the 12-row kernels hold the whole
    // tile: 24 of the 32 vector registers. With 16 registers of 256 bits (AVX2) or 32 of 128 bits
    // (NEON) that would spill, so there each tile is run as 6 × 16 pieces, 12 registers' worth.

    /// (12, kc) · (kc, 32) → c (12 rows, `ldc` apart).
    @inline(never)
    static func tile12x32(
        kc: Int, a: UnsafePointer<Float>, aRowStride: Int, aStep: Int, b: UnsafePointer<Float>, bStep: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, bias: UnsafePointer<Float>?
    ) {
        #if VITSCOPE_AVX512
            tile12(kc, a, aRowStride, aStep, b, bStep, c, ldc, accumulate, bias, wide: true)
        #else
            tile12x16(
                kc: kc, a: a, aRowStride: aRowStride, aStep: aStep, b: b, bStep: bStep,
                c: c, ldc: ldc, accumulate: accumulate, bias: bias)
            tile12x16(
                kc: kc, a: a, aRowStride: aRowStride, aStep: aStep, b: b + 16, bStep: bStep,
                c: c + 16, ldc: ldc, accumulate: accumulate, bias: bias.map { $0 + 16 })
        #endif
    }

    /// (12, kc) · (kc, 16) → c: the first 16 columns of a B sliver, for a last sliver of ≤ 16 columns.
    @inline(never)
    static func tile12x16(
        kc: Int, a: UnsafePointer<Float>, aRowStride: Int, aStep: Int, b: UnsafePointer<Float>, bStep: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, bias: UnsafePointer<Float>?
    ) {
        #if VITSCOPE_AVX512
            tile12(kc, a, aRowStride, aStep, b, bStep, c, ldc, accumulate, bias, wide: false)
        #else
            tile6(kc, a, aRowStride, aStep, b, bStep, c, ldc, accumulate, bias)
            tile6(kc, a + 6 &* aRowStride, aRowStride, aStep, b, bStep, c + 6 &* ldc, ldc, accumulate, bias)
        #endif
    }

    /// (4, kc) · (kc, 32) → c (4 rows, `ldc` apart).
    @inline(never)
    static func tile4x32(
        kc: Int, a: UnsafePointer<Float>, aRowStride: Int, aStep: Int, b: UnsafePointer<Float>, bStep: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, bias: UnsafePointer<Float>?
    ) {
        #if VITSCOPE_AVX512
            tile4(kc, a, aRowStride, aStep, b, bStep, c, ldc, accumulate, bias, wide: true)
        #else
            tile4(kc, a, aRowStride, aStep, b, bStep, c, ldc, accumulate, bias, wide: false)
            tile4(kc, a, aRowStride, aStep, b + 16, bStep, c + 16, ldc, accumulate, bias.map { $0 + 16 }, wide: false)
        #endif
    }

    /// (4, kc) · (kc, 16) → c.
    @inline(never)
    static func tile4x16(
        kc: Int, a: UnsafePointer<Float>, aRowStride: Int, aStep: Int, b: UnsafePointer<Float>, bStep: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, bias: UnsafePointer<Float>?
    ) {
        tile4(kc, a, aRowStride, aStep, b, bStep, c, ldc, accumulate, bias, wide: false)
    }

    /// The 6-row, 16-column kernel body for targets with fewer vector registers: 6 accumulators.
    @inline(__always)
    static func tile6(
        _ kc: Int, _ a: UnsafePointer<Float>, _ rs: Int, _ aStep: Int, _ b: UnsafePointer<Float>, _ bStep: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool, _ bias: UnsafePointer<Float>?
    ) {
        var c0 = Vector(), c1 = Vector(), c2 = Vector(), c3 = Vector(), c4 = Vector(), c5 = Vector(), unused = Vector()
        var a0 = a, a3 = a + 3 &* rs, b = b, p = 0
        let r2 = 2 &* rs
        while p < kc {
            let b0 = load(b)
            step(&c0, &unused, a0[0], b0, b0, false); step(&c1, &unused, a0[rs], b0, b0, false)
            step(&c2, &unused, a0[r2], b0, b0, false); step(&c3, &unused, a3[0], b0, b0, false)
            step(&c4, &unused, a3[rs], b0, b0, false); step(&c5, &unused, a3[r2], b0, b0, false)
            a0 += aStep; a3 += aStep; b += bStep; p &+= 1
        }
        let s = biasVectors(bias, false)
        var c = c
        finish(c0, unused, c, accumulate, s, false); c += ldc; finish(c1, unused, c, accumulate, s, false); c += ldc
        finish(c2, unused, c, accumulate, s, false); c += ldc; finish(c3, unused, c, accumulate, s, false); c += ldc
        finish(c4, unused, c, accumulate, s, false); c += ldc; finish(c5, unused, c, accumulate, s, false)
    }

    /// The 12-row kernel body: 24 accumulators (12 when not `wide`).
    @inline(__always)
    static func tile12(
        _ kc: Int, _ a: UnsafePointer<Float>, _ rs: Int, _ aStep: Int, _ b: UnsafePointer<Float>, _ bStep: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool, _ bias: UnsafePointer<Float>?,
        wide w: Bool
    ) {
        var c00 = Vector(), c01 = Vector(), c10 = Vector(), c11 = Vector(), c20 = Vector(), c21 = Vector()
        var c30 = Vector(), c31 = Vector(), c40 = Vector(), c41 = Vector(), c50 = Vector(), c51 = Vector()
        var c60 = Vector(), c61 = Vector(), c70 = Vector(), c71 = Vector(), c80 = Vector(), c81 = Vector()
        var c90 = Vector(), c91 = Vector(), ca0 = Vector(), ca1 = Vector(), cb0 = Vector(), cb1 = Vector()
        // Rows 0-2, 3-5, 6-8, 9-11 from four row pointers plus offsets 0, rs, 2·rs.
        var a0 = a, a3 = a + 3 &* rs, a6 = a + 6 &* rs, a9 = a + 9 &* rs
        let r2 = 2 &* rs
        var b = b, p = 0
        while p < kc {
            let b0 = load(b), b1 = w ? load(b + 16) : Vector()
            step(&c00, &c01, a0[0], b0, b1, w); step(&c10, &c11, a0[rs], b0, b1, w)
            step(&c20, &c21, a0[r2], b0, b1, w); step(&c30, &c31, a3[0], b0, b1, w)
            step(&c40, &c41, a3[rs], b0, b1, w); step(&c50, &c51, a3[r2], b0, b1, w)
            step(&c60, &c61, a6[0], b0, b1, w); step(&c70, &c71, a6[rs], b0, b1, w)
            step(&c80, &c81, a6[r2], b0, b1, w); step(&c90, &c91, a9[0], b0, b1, w)
            step(&ca0, &ca1, a9[rs], b0, b1, w); step(&cb0, &cb1, a9[r2], b0, b1, w)
            a0 += aStep; a3 += aStep; a6 += aStep; a9 += aStep; b += bStep; p &+= 1
        }
        let s = biasVectors(bias, w)
        var c = c
        finish(c00, c01, c, accumulate, s, w); c += ldc; finish(c10, c11, c, accumulate, s, w); c += ldc
        finish(c20, c21, c, accumulate, s, w); c += ldc; finish(c30, c31, c, accumulate, s, w); c += ldc
        finish(c40, c41, c, accumulate, s, w); c += ldc; finish(c50, c51, c, accumulate, s, w); c += ldc
        finish(c60, c61, c, accumulate, s, w); c += ldc; finish(c70, c71, c, accumulate, s, w); c += ldc
        finish(c80, c81, c, accumulate, s, w); c += ldc; finish(c90, c91, c, accumulate, s, w); c += ldc
        finish(ca0, ca1, c, accumulate, s, w); c += ldc; finish(cb0, cb1, c, accumulate, s, w)
    }

    /// The 4-row kernel body: 8 accumulators (4 when not `wide`).
    @inline(__always)
    static func tile4(
        _ kc: Int, _ a: UnsafePointer<Float>, _ rs: Int, _ aStep: Int, _ b: UnsafePointer<Float>, _ bStep: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool, _ bias: UnsafePointer<Float>?,
        wide w: Bool
    ) {
        var c00 = Vector(), c01 = Vector(), c10 = Vector(), c11 = Vector()
        var c20 = Vector(), c21 = Vector(), c30 = Vector(), c31 = Vector()
        var a0 = a, a2 = a + 2 &* rs, b = b, p = 0
        while p < kc {
            let b0 = load(b), b1 = w ? load(b + 16) : Vector()
            step(&c00, &c01, a0[0], b0, b1, w); step(&c10, &c11, a0[rs], b0, b1, w)
            step(&c20, &c21, a2[0], b0, b1, w); step(&c30, &c31, a2[rs], b0, b1, w)
            a0 += aStep; a2 += aStep; b += bStep; p &+= 1
        }
        let s = biasVectors(bias, w)
        var c = c
        finish(c00, c01, c, accumulate, s, w); c += ldc; finish(c10, c11, c, accumulate, s, w); c += ldc
        finish(c20, c21, c, accumulate, s, w); c += ldc; finish(c30, c31, c, accumulate, s, w)
    }
}
