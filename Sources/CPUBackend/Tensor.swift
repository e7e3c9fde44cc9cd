import Foundation

/// A dense, row-major float32 tensor that owns 64-byte-aligned storage.
///
/// Storage comes from and returns to ``BufferCache``, so the activations of one block are
/// reused by the next instead of being faulted in afresh from the system on every node.
public final class Tensor: @unchecked Sendable {
    public let shape: [Int]
    public let count: Int
    /// The elements, row-major; valid for the tensor's lifetime.
    public let data: UnsafeMutablePointer<Float>

    /// A zero-filled tensor of `shape`.
    public convenience init(zeros shape: [Int]) {
        self.init(uninitialized: shape)
        data.initialize(repeating: 0, count: max(count, 1))
    }

    /// A tensor of `shape` whose elements the caller writes before reading: kernels that
    /// overwrite their whole output skip the zero fill.
    public init(uninitialized shape: [Int]) {
        self.shape = shape
        count = shape.reduce(1, *)
        data = BufferCache.shared.take(max(count, 1))
    }

    /// A tensor of `shape` holding `values` (row-major).
    public convenience init(shape: [Int], values: [Float]) {
        self.init(uninitialized: shape)
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    /// A tensor of `shape` with elements `center + scale · u`, `u` uniform in `[-1, 1)` from `seed`.
    public static func random(_ shape: [Int], seed: UInt64, center: Float = 0, scale: Float = 1) -> Tensor {
        let tensor = Tensor(uninitialized: shape)
        var generator = SeededGenerator(seed: seed)
        generator.fill(tensor.data, count: tensor.count, center: center, scale: scale)
        return tensor
    }

    deinit { BufferCache.shared.give(data, count: max(count, 1)) }

    /// The elements as an array, row-major.
    public var values: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }
}

/// Freed tensor storage kept by exact size for reuse, up to ``limitBytes`` in all.
final class BufferCache: @unchecked Sendable {
    static let shared = BufferCache()
    /// The most bytes kept for reuse; storage freed beyond it goes back to the system.
    static let limitBytes = 256 << 20
    /// Buffers below this many elements come straight from malloc, which caches them well.
    static let smallest = 4096

    private let lock = NSLock()
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var cachedBytes = 0

    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count >= Self.smallest, let buffer = lock.withLock({ () -> UnsafeMutablePointer<Float>? in
            guard let buffer = free[count]?.popLast() else { return nil }
            cachedBytes -= count * 4
            return buffer
        }) {
            return buffer
        }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
        return raw.bindMemory(to: Float.self, capacity: count)
    }

    func give(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        let kept = count >= Self.smallest && lock.withLock { () -> Bool in
            guard cachedBytes + count * 4 <= Self.limitBytes else { return false }
            free[count, default: []].append(buffer)
            cachedBytes += count * 4
            return true
        }
        if !kept { UnsafeMutableRawPointer(buffer).deallocate() }
    }
}
