extension SIMD16 where Scalar == Float {
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Self {
        UnsafeRawPointer(p).loadUnaligned(as: Self.self)
    }

    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: self, as: Self.self)
    }
}

/// Row loops shared by the SIMD kernels.
enum Rows {
    /// Runs `body` for each of `rows` rows, split across threads when there is enough work.
    /// - Returns: the elements of the rows it ran (`rows · width` when every row ran), for the
    ///   kernels' counters.
    @discardableResult
    static func forEach(_ rows: Int, width: Int, threads: Int, _ body: (Int) -> Void) -> Int {
        let useThreads = threads > 1 && rows * width >= 16_384 ? threads : 1
        let chunk = (rows + useThreads * 4 - 1) / (useThreads * 4)
        guard chunk > 0 else { return 0 }
        return Parallel.sum(count: (rows + chunk - 1) / chunk, threads: useThreads) { part in
            let range = (part * chunk)..<min(rows, (part + 1) * chunk)
            for r in range { body(r) }
            return range.count * width
        }
    }

    @inline(__always) static func sum(_ p: UnsafePointer<Float>, _ count: Int) -> Float {
        var acc = Vec(), i = 0
        while i + 16 <= count { acc += Vec.load(p + i); i += 16 }
        var total = VectorMath.horizontalSum(acc)
        while i < count { total += p[i]; i += 1 }
        return total
    }

    /// `y = f(a, b)` over `count` elements. - Returns: `count`, the elements it wrote.
    @discardableResult
    @inline(__always) static func zip(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
        count: Int, _ f: (Vec, Vec) -> Vec
    ) -> Int {
        var i = 0
        while i + 16 <= count { f(Vec.load(a + i), Vec.load(b + i)).store(y + i); i += 16 }
        if i < count {
            VectorMath.store(
                f(VectorMath.load(a + i, count: count - i), VectorMath.load(b + i, count: count - i)),
                y + i, count: count - i)
        }
        return count
    }
}
