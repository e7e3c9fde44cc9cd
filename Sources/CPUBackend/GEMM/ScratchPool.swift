import Foundation

/// Reusable 64-byte-aligned float buffers for packing, so that products called over and over do
/// not allocate and fault in fresh memory each time. Safe to use from several threads.
final class ScratchPool: @unchecked Sendable {
    /// The pool the GEMM routines share.
    static let shared = ScratchPool(maxBuffers: 8, maxFloats: 8 << 20)

    private let lock = NSLock()
    private var buffers: [(pointer: UnsafeMutablePointer<Float>, capacity: Int)] = []
    private let maxBuffers: Int
    private let maxFloats: Int

    /// A pool that keeps at most `maxBuffers` idle buffers of at most `maxFloats` floats in all.
    init(maxBuffers: Int, maxFloats: Int) {
        self.maxBuffers = maxBuffers
        self.maxFloats = maxFloats
    }

    deinit { for buffer in buffers { UnsafeMutableRawPointer(buffer.pointer).deallocate() } }

    /// Calls `body` with a buffer of at least `count` floats (uninitialized) that no one else uses
    /// until `body` returns.
    func withBuffer<R>(count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        let buffer = take(count: max(count, 1))
        defer { give(buffer) }
        return try body(buffer.pointer)
    }

    /// The smallest idle buffer that fits, or a new one.
    private func take(count: Int) -> (pointer: UnsafeMutablePointer<Float>, capacity: Int) {
        let reused: (pointer: UnsafeMutablePointer<Float>, capacity: Int)? = lock.withLock {
            var best: Int?
            for (index, buffer) in buffers.enumerated() where buffer.capacity >= count {
                if best.map({ buffer.capacity < buffers[$0].capacity }) ?? true { best = index }
            }
            return best.map { buffers.remove(at: $0) }
        }
        return reused ?? (GEMM.allocateFloats(count), count)
    }

    /// Returns a buffer to the pool, dropping the smallest idle ones beyond the limits.
    private func give(_ buffer: (pointer: UnsafeMutablePointer<Float>, capacity: Int)) {
        var dropped: [UnsafeMutablePointer<Float>] = []
        lock.withLock {
            buffers.append(buffer)
            buffers.sort { $0.capacity > $1.capacity }
            var total = buffers.reduce(0) { $0 + $1.capacity }
            while buffers.count > maxBuffers || (total > maxFloats && !buffers.isEmpty) {
                let last = buffers.removeLast()
                total -= last.capacity
                dropped.append(last.pointer)
            }
        }
        for pointer in dropped { UnsafeMutableRawPointer(pointer).deallocate() }
    }
}
