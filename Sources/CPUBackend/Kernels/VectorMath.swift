/// SIMD approximations of `exp` (within 3e-7 relative) and `erf` (within 4e-7 absolute), used by softmax,
/// GELU and the Performer; the naive kernels use the C library's scalar functions instead.
typealias Vec = SIMD16<Float>

enum VectorMath {
    /// `a·b + c`: one rounding where fused multiply-add is an instruction (`VITSCOPE_FMA`), a
    /// multiply then an add elsewhere (a fused lane would be a call to `fmaf`).
    @inline(__always)
    static func fma(_ a: Vec, _ b: Vec, _ c: Vec) -> Vec {
        #if VITSCOPE_FMA
            c.addingProduct(a, b)
        #else
            a * b + c
        #endif
    }

    @inline(__always)
    static func fma(_ a: Vec, _ b: Vec, _ c: Float) -> Vec { fma(a, b, Vec(repeating: c)) }

    /// GELU, `½·v·(1 + erf(v/√2))`.
    @inline(__always)
    static func gelu(_ v: Vec) -> Vec { 0.5 * v * (1 + erf(v * 0.707_106_77)) }

    /// GELU's derivative, `½·(1 + erf(v/√2)) + v·φ(v)`, φ the standard normal density.
    @inline(__always)
    static func geluDerivative(_ v: Vec) -> Vec {
        0.5 * (1 + erf(v * 0.707_106_77)) + v * exp(-0.5 * v * v) * 0.398_942_28
    }

    /// `y = gelu(x)` over `count` elements. Two vectors per iteration, with the polynomials
    /// inlined, so their dependency chains overlap (called through a closure, one vector at a
    /// time, GELU was bound by the chains' latency).
    @inline(never)
    static func geluRows(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 32 <= count {
            let a = gelu(Vec.load(x + i)), b = gelu(Vec.load(x + i + 16))
            a.store(y + i)
            b.store(y + i + 16)
            i += 32
        }
        while i < count {
            let n = min(16, count - i)
            store(gelu(load(x + i, count: n)), y + i, count: n)
            i += n
        }
    }

    /// `dx = g · gelu′(x)` over `count` elements, two vectors per iteration.
    @inline(never)
    static func geluBackwardRows(
        _ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int
    ) {
        var i = 0
        while i + 32 <= count {
            let a = Vec.load(g + i) * geluDerivative(Vec.load(x + i))
            let b = Vec.load(g + i + 16) * geluDerivative(Vec.load(x + i + 16))
            a.store(dx + i)
            b.store(dx + i + 16)
            i += 32
        }
        while i < count {
            let n = min(16, count - i)
            store(load(g + i, count: n) * geluDerivative(load(x + i, count: n)), dx + i, count: n)
            i += n
        }
    }

    /// `eˣ` for 16 lanes: `x = n·ln2 + r`, a degree-7 polynomial for `eʳ` on |r| ≤ ln2/2, and
    /// `2ⁿ` assembled in the exponent bits. Inputs are clamped to [-87, 88] (results below 2⁻¹²⁵
    /// round to the smallest normal's neighbourhood, which softmax and the Performer never need).
    @inline(__always)
    static func exp(_ x: Vec) -> Vec {
        // pointwiseMin/Max compile to single instructions; `clamped` does not.
        let clamped = pointwiseMin(pointwiseMax(x, Vec(repeating: -87)), Vec(repeating: 88))
        // Adding 1.5·2²³ rounds to the nearest integer and leaves it in the low mantissa bits.
        let magic: Float = 12_582_912
        let shifted = clamped * 1.442_695_04 + magic
        let n = shifted - magic
        let r = clamped - n * 0.693_145_75 - n * 1.428_606_8e-6
        var p = Vec(repeating: 1.0 / 5040)
        p = fma(p, r, 1.0 / 720)
        p = fma(p, r, 1.0 / 120)
        p = fma(p, r, 1.0 / 24)
        p = fma(p, r, 1.0 / 6)
        p = fma(p, r, 0.5)
        p = fma(p, r, 1)
        p = fma(p, r, 1)
        let bits = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((bits &+ 127) &<< 23, to: Vec.self)
        return p * scale
    }

    /// `erf(x)` for 16 lanes from the Chebyshev fit of erfc in Numerical Recipes (fractional error
    /// below 1.2e-7 in exact arithmetic; about 3e-7 absolute once evaluated in float32).
    @inline(__always)
    static func erf(_ x: Vec) -> Vec {
        // |x| and the sign by masking the sign bit (mask-and-select compiles poorly).
        let bits = unsafeBitCast(x, to: SIMD16<UInt32>.self)
        let sign = bits & 0x8000_0000
        let z = unsafeBitCast(bits & 0x7FFF_FFFF, to: Vec.self)
        let t = 1 / (1 + 0.5 * z)
        var p = Vec(repeating: 0.170_872_77)
        p = fma(p, t, -0.822_152_23)
        p = fma(p, t, 1.488_515_87)
        p = fma(p, t, -1.135_203_98)
        p = fma(p, t, 0.278_868_07)
        p = fma(p, t, -0.186_288_06)
        p = fma(p, t, 0.096_784_18)
        p = fma(p, t, 0.374_091_96)
        p = fma(p, t, 1.000_023_68)
        p = fma(p, t, -1.265_512_23)
        let erfc = t * exp(p - z * z)
        let magnitude = Vec(repeating: 1) - erfc
        return unsafeBitCast(unsafeBitCast(magnitude, to: SIMD16<UInt32>.self) | sign, to: Vec.self)
    }

    /// The lane-wise larger of `a` and `b`. `pointwiseMax` of two variables compiles to a scalar
    /// loop that orders NaNs lane by lane; a compare-and-replace is one `maxps`. (Written once
    /// per width: a version generic over `SIMD` compiled back to the slow loop.)
    @inline(__always)
    static func max(_ a: Vec, _ b: Vec) -> Vec {
        var larger = a
        larger.replace(with: b, where: b .> a)
        return larger
    }

    @inline(__always)
    static func max(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        var larger = a
        larger.replace(with: b, where: b .> a)
        return larger
    }

    /// The largest lane, by halving (the generic `max()` reduction compiles to a slow loop).
    @inline(__always)
    static func horizontalMax(_ v: Vec) -> Float {
        let a = max(v.lowHalf, v.highHalf)
        var b = a.lowHalf, c = a.highHalf
        b.replace(with: c, where: c .> b)
        var d = b.lowHalf, e = b.highHalf
        d.replace(with: e, where: e .> d)
        return Swift.max(d[0], d[1])
    }

    /// The sum of the lanes, by halving (pairwise, unlike the generic `sum()`).
    @inline(__always)
    static func horizontalSum(_ v: Vec) -> Float {
        let a = v.lowHalf + v.highHalf, b = a.lowHalf + a.highHalf, c = b.lowHalf + b.highHalf
        return c[0] + c[1]
    }

    /// Loads `count` (< 16) elements, padding with `fill`.
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, count: Int, fill: Float = 0) -> Vec {
        var v = Vec(repeating: fill)
        for i in 0..<count { v[i] = p[i] }
        return v
    }

    @inline(__always)
    static func store(_ v: Vec, _ p: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { p[i] = v[i] }
    }

    /// Applies `f` to `count` elements from `x` into `y` (which may equal `x`), 16 at a time.
    @inline(__always)
    static func map(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, _ f: (Vec) -> Vec) {
        var i = 0
        while i + 16 <= count {
            UnsafeMutableRawPointer(y + i).storeBytes(of: f(UnsafeRawPointer(x + i).loadUnaligned(as: Vec.self)), as: Vec.self)
            i += 16
        }
        if i < count { store(f(load(x + i, count: count - i)), y + i, count: count - i) }
    }
}
