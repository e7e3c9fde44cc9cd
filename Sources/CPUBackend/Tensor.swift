import Foundation

/// A dense, row-major float32 tensor that owns 64-byte-aligned storage.
///
/// Storage comes from and returns to ``TensorArena``, so the activations of one block are
/// reused by the next instead of being faulted in afresh from the system on every node.
public final class Tensor: @unchecked Sendable {
    public let shape: [Int]
    public let count: Int
    /// The elements, row-major; valid for the tensor's lifetime.
    public let data: UnsafeMutablePointer<Float>

    /// Whether the storage comes from and returns to ``TensorArena``.
    let pooled: Bool

    /// A zero-filled tensor of `shape`.
    /// - Parameter pooled: false for tensors that live as long as a model (its parameters):
    ///   their storage comes straight from the system and goes back to it when freed, instead of
    ///   staying resident in ``TensorArena``.
    public convenience init(zeros shape: [Int], pooled: Bool = true) {
        self.init(uninitialized: shape, pooled: pooled)
        data.initialize(repeating: 0, count: max(count, 1))
    }

    /// A tensor of `shape` whose elements the caller writes before reading: kernels that
    /// overwrite their whole output skip the zero fill.
    public init(uninitialized shape: [Int], pooled: Bool = true) {
        self.shape = shape
        count = shape.reduce(1, *)
        self.pooled = pooled
        data = pooled ? TensorArena.shared.take(max(count, 1)) : GEMM.allocateFloats(count)
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

    deinit {
        if pooled { TensorArena.shared.give(data, count: max(count, 1)) } else { UnsafeMutableRawPointer(data).deallocate() }
    }

    /// The elements as an array, row-major.
    public var values: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }
}

/// The storage of pooled tensors: one range of address space reserved up front and handed out
/// first-fit in address order, with freed ranges merged with their free neighbours.
///
/// Freed storage stays resident for the next tensor of any size that fits, so the activations of
/// one block are reused by the next instead of being faulted in afresh on every node, and a
/// smaller tensor of a later stage reuses an earlier stage's larger one. The resident high-water
/// mark stays close to the largest set of tensors alive at once.
final class TensorArena: @unchecked Sendable {
    static let shared = TensorArena()
    /// Tensors below this many elements come straight from malloc, which caches them well.
    static let smallest = 4096
    /// Ranges are multiples of 16 floats (64 bytes), so every tensor is 64-byte aligned.
    static let granule = 16

    private let lock = NSLock()
    private let base: UnsafeMutablePointer<Float>?
    /// Granules reserved.
    private let capacity: Int
    /// Free ranges in granules, sorted by start, never adjacent (adjacent ones are merged).
    private var holes: [(start: Int, count: Int)]

    /// Reserves `bytes` of address space (pages are only made resident when written); without
    /// the reservation every tensor comes from malloc.
    init(reserving bytes: Int = TensorArena.reservation) {
        #if canImport(Glibc) || canImport(Darwin)
            let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
            if let raw, raw != MAP_FAILED {
                #if canImport(Glibc)
                    // Large pages where the system allows them: one fault per 2 MiB instead of per 4 KiB.
                    _ = madvise(raw, bytes, MADV_HUGEPAGE)
                #endif
                capacity = bytes / 4 / Self.granule
                base = raw.bindMemory(to: Float.self, capacity: capacity * Self.granule)
                holes = [(0, capacity)]
                return
            }
        #endif
        base = nil
        capacity = 0
        holes = []
    }

    deinit {
        #if canImport(Glibc) || canImport(Darwin)
            if let base { munmap(base, capacity * Self.granule * 4) }
        #endif
    }

    /// The physical memory, at most 1 TiB: no forward pass that fits in memory needs more.
    static var reservation: Int { Int(min(ProcessInfo.processInfo.physicalMemory, 1 << 40)) }

    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count >= Self.smallest, let base {
            let granules = (count + Self.granule - 1) / Self.granule
            let start = lock.withLock { () -> Int? in
                guard let index = holes.firstIndex(where: { $0.count >= granules }) else { return nil }
                let hole = holes[index]
                if hole.count == granules { holes.remove(at: index) } else { holes[index] = (hole.start + granules, hole.count - granules) }
                return hole.start
            }
            if let start { return base + start * Self.granule }
        }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        return raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    func give(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        guard count >= Self.smallest, let base, buffer >= base, buffer < base + capacity * Self.granule else {
            return UnsafeMutableRawPointer(buffer).deallocate()
        }
        let start = (buffer - base) / Self.granule, granules = (count + Self.granule - 1) / Self.granule
        lock.withLock {
            // The first hole after the range; merge with it and with the one before when they touch.
            let index = holes.firstIndex { $0.start > start } ?? holes.count
            var range = (start: start, count: granules)
            if index < holes.count, holes[index].start == start + granules {
                range.count += holes[index].count
                holes.remove(at: index)
            }
            if index > 0, holes[index - 1].start + holes[index - 1].count == start {
                holes[index - 1].count += range.count
            } else {
                holes.insert(range, at: index)
            }
        }
    }

    /// Granules handed out and not given back (for tests).
    var granulesInUse: Int {
        lock.withLock { capacity - holes.reduce(0) { $0 + $1.count } }
    }
}
