extension Op {
    /// Whether the reference implementations return the op's output as a view of its first
    /// input's storage (slicing, reshaping), so that it has no storage of its own: what a
    /// training step's memory plan needs to follow storages and their gradients.
    public var outputIsView: Bool { definition.outputIsView }
}
