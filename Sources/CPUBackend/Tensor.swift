/// A dense, row-major float32 tensor that owns 64-byte-aligned storage.
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
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        data = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// A tensor of `shape` holding `values` (row-major).
    public convenience init(shape: [Int], values: [Float]) {
        self.init(zeros: shape)
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    deinit { UnsafeMutableRawPointer(data).deallocate() }

    /// The elements as an array, row-major.
    public var values: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }
}
