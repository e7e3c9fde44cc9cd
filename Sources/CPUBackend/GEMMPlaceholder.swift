import Dispatch

// Temporary: a simple GEMM with the final API, replaced by the blocked kernel.
public enum GEMM {
    public static func multiply(m: Int, n: Int, k: Int,
                                a: UnsafePointer<Float>, aRowStride: Int, aColStride: Int,
                                b: UnsafePointer<Float>, bRowStride: Int, bColStride: Int,
                                c: UnsafeMutablePointer<Float>, cRowStride: Int,
                                bias: UnsafePointer<Float>? = nil, accumulate: Bool = false, threads: Int = 1) {
        naive(m: m, n: n, k: k, a: a, aRowStride: aRowStride, aColStride: aColStride, b: b, bRowStride: bRowStride,
              bColStride: bColStride, c: c, cRowStride: cRowStride, bias: bias, accumulate: accumulate, threads: threads)
    }

    public static func naive(m: Int, n: Int, k: Int,
                             a: UnsafePointer<Float>, aRowStride: Int, aColStride: Int,
                             b: UnsafePointer<Float>, bRowStride: Int, bColStride: Int,
                             c: UnsafeMutablePointer<Float>, cRowStride: Int,
                             bias: UnsafePointer<Float>? = nil, accumulate: Bool = false, threads: Int = 1) {
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k { sum += a[i * aRowStride + p * aColStride] * b[p * bRowStride + j * bColStride] }
                if let bias { sum += bias[j] }
                c[i * cRowStride + j] = accumulate ? c[i * cRowStride + j] + sum : sum
            }
        }
    }
}

public final class PackedMatrix: @unchecked Sendable {
    let k: Int, n: Int
    let storage: UnsafeMutablePointer<Float>

    public init(k: Int, n: Int, b: UnsafePointer<Float>, bRowStride: Int, bColStride: Int) {
        self.k = k
        self.n = n
        storage = .allocate(capacity: max(k * n, 1))
        for p in 0..<k { for j in 0..<n { storage[p * n + j] = b[p * bRowStride + j * bColStride] } }
    }

    deinit { storage.deallocate() }

    public func multiply(m: Int, a: UnsafePointer<Float>, aRowStride: Int, aColStride: Int,
                         c: UnsafeMutablePointer<Float>, cRowStride: Int,
                         bias: UnsafePointer<Float>? = nil, accumulate: Bool = false, threads: Int = 1) {
        GEMM.multiply(m: m, n: n, k: k, a: a, aRowStride: aRowStride, aColStride: aColStride, b: storage,
                      bRowStride: n, bColStride: 1, c: c, cRowStride: cRowStride, bias: bias, accumulate: accumulate,
                      threads: threads)
    }
}

public enum Parallel {
    public static func forEach(count: Int, threads: Int, _ body: (Int) -> Void) {
        if threads <= 1 || count <= 1 {
            for i in 0..<count { body(i) }
        } else {
            withoutActuallyEscaping(body) { body in
                let box = Box(body: body)
                DispatchQueue.concurrentPerform(iterations: count) { box.body($0) }
            }
        }
    }

    private struct Box: @unchecked Sendable { let body: (Int) -> Void }
}
