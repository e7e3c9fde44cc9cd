/// Where a training step must fit: a GPU of the table, or a memory size given directly.
public struct MemoryTarget: Hashable, Sendable {
    /// The name in tables: `A100 40GB`, or `40 GiB` for a size.
    public let name: String
    public let memoryBytes: Int
    /// The GPU, when the target is one (its peak rates give the run's time).
    public let gpu: GPU?

    public init(gpu: GPU) {
        name = gpu.name
        memoryBytes = gpu.memoryBytes
        self.gpu = gpu
    }

    public init(name: String, memoryBytes: Int) {
        self.name = name
        self.memoryBytes = memoryBytes
        gpu = nil
    }

    /// The bytes left for the step after `reserve`, or `nil` when the reserve takes it all.
    public func available(reserve: Int) -> Int? { memoryBytes > reserve ? memoryBytes - reserve : nil }
}
