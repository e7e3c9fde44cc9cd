/// A deliberate fault in one piece of a kernel's work, injected by tests to prove that the
/// counters come from the loops that ran: the kernel skips its first tile, block or plane, or
/// runs it twice, and counts what it did, so `verify` must name the node.
enum KernelFault: Sendable {
    /// The first piece is not run (nor counted).
    case skip
    /// The first piece is run (and counted) twice.
    case twice

    /// How many times the first piece runs.
    var runs: Int {
        switch self {
        case .skip: 0
        case .twice: 2
        }
    }
}
