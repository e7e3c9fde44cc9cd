/// The register-blocked inner kernels: a (rows, kc) · (kc, 32) product held in SIMD16 registers.
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

    /// c0 += a·b0, c1 += a·b1 (fused multiply-add).
    @inline(__always) static func step(_ c0: inout Vector, _ c1: inout Vector, _ a: Float, _ b0: Vector, _ b1: Vector) {
        let x = Vector(repeating: a)
        c0 = c0.addingProduct(x, b0)
        c1 = c1.addingProduct(x, b1)
    }

    /// Writes one row of the tile: `c[0..<32] = acc (+ c) + bias`.
    @inline(__always) static func finish(_ c0: Vector, _ c1: Vector, _ c: UnsafeMutablePointer<Float>,
                                         _ accumulate: Bool, _ bias0: Vector, _ bias1: Vector) {
        var r0 = c0 + bias0, r1 = c1 + bias1
        if accumulate {
            r0 = r0 + load(c)
            r1 = r1 + load(c + 16)
        }
        store(r0, c)
        store(r1, c + 16)
    }

    /// The bias vectors for a tile, zero without a bias.
    @inline(__always) static func biasVectors(_ bias: UnsafePointer<Float>?) -> (Vector, Vector) {
        guard let bias else { return (Vector(), Vector()) }
        return (load(bias), load(bias + 16))
    }

    /// (12, kc) · (kc, 32) → c (12 rows, `ldc` apart).
    @inline(never)
    static func tile12(kc: Int, a: UnsafePointer<Float>, aRowStride rs: Int, aStep: Int, b: UnsafePointer<Float>, bStep: Int,
                       c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, bias: UnsafePointer<Float>?) {
        var c00 = Vector(), c01 = Vector(), c10 = Vector(), c11 = Vector(), c20 = Vector(), c21 = Vector()
        var c30 = Vector(), c31 = Vector(), c40 = Vector(), c41 = Vector(), c50 = Vector(), c51 = Vector()
        var c60 = Vector(), c61 = Vector(), c70 = Vector(), c71 = Vector(), c80 = Vector(), c81 = Vector()
        var c90 = Vector(), c91 = Vector(), ca0 = Vector(), ca1 = Vector(), cb0 = Vector(), cb1 = Vector()
        // Rows 0-2, 3-5, 6-8, 9-11 from four row pointers plus offsets 0, rs, 2·rs.
        var a0 = a, a3 = a + 3 &* rs, a6 = a + 6 &* rs, a9 = a + 9 &* rs
        let r2 = 2 &* rs
        var b = b, p = 0
        while p < kc {
            let b0 = load(b), b1 = load(b + 16)
            step(&c00, &c01, a0[0], b0, b1); step(&c10, &c11, a0[rs], b0, b1)
            step(&c20, &c21, a0[r2], b0, b1); step(&c30, &c31, a3[0], b0, b1)
            step(&c40, &c41, a3[rs], b0, b1); step(&c50, &c51, a3[r2], b0, b1)
            step(&c60, &c61, a6[0], b0, b1); step(&c70, &c71, a6[rs], b0, b1)
            step(&c80, &c81, a6[r2], b0, b1); step(&c90, &c91, a9[0], b0, b1)
            step(&ca0, &ca1, a9[rs], b0, b1); step(&cb0, &cb1, a9[r2], b0, b1)
            a0 += aStep; a3 += aStep; a6 += aStep; a9 += aStep; b += bStep; p &+= 1
        }
        let (s0, s1) = biasVectors(bias)
        var c = c
        finish(c00, c01, c, accumulate, s0, s1); c += ldc; finish(c10, c11, c, accumulate, s0, s1); c += ldc
        finish(c20, c21, c, accumulate, s0, s1); c += ldc; finish(c30, c31, c, accumulate, s0, s1); c += ldc
        finish(c40, c41, c, accumulate, s0, s1); c += ldc; finish(c50, c51, c, accumulate, s0, s1); c += ldc
        finish(c60, c61, c, accumulate, s0, s1); c += ldc; finish(c70, c71, c, accumulate, s0, s1); c += ldc
        finish(c80, c81, c, accumulate, s0, s1); c += ldc; finish(c90, c91, c, accumulate, s0, s1); c += ldc
        finish(ca0, ca1, c, accumulate, s0, s1); c += ldc; finish(cb0, cb1, c, accumulate, s0, s1)
    }

    /// (4, kc) · (kc, 32) → c (4 rows, `ldc` apart).
    @inline(never)
    static func tile4(kc: Int, a: UnsafePointer<Float>, aRowStride rs: Int, aStep: Int, b: UnsafePointer<Float>, bStep: Int,
                      c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, bias: UnsafePointer<Float>?) {
        var c00 = Vector(), c01 = Vector(), c10 = Vector(), c11 = Vector()
        var c20 = Vector(), c21 = Vector(), c30 = Vector(), c31 = Vector()
        var a0 = a, a2 = a + 2 &* rs, b = b, p = 0
        while p < kc {
            let b0 = load(b), b1 = load(b + 16)
            step(&c00, &c01, a0[0], b0, b1); step(&c10, &c11, a0[rs], b0, b1)
            step(&c20, &c21, a2[0], b0, b1); step(&c30, &c31, a2[rs], b0, b1)
            a0 += aStep; a2 += aStep; b += bStep; p &+= 1
        }
        let (s0, s1) = biasVectors(bias)
        var c = c
        finish(c00, c01, c, accumulate, s0, s1); c += ldc; finish(c10, c11, c, accumulate, s0, s1); c += ldc
        finish(c20, c21, c, accumulate, s0, s1); c += ldc; finish(c30, c31, c, accumulate, s0, s1)
    }
}
