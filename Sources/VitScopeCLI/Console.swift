/// Where a command writes: results to `out`, errors and progress to `err`.
public struct Console: Sendable {
    public let out: @Sendable (String) -> Void
    public let err: @Sendable (String) -> Void
    /// Whether `err` is a terminal, where long commands show progress.
    public let errIsTerminal: Bool

    public init(
        out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void,
        errIsTerminal: Bool = false
    ) {
        self.out = out
        self.err = err
        self.errIsTerminal = errIsTerminal
    }

    /// Shows `message` on the terminal's current line (nothing when `err` is not a terminal).
    public func progress(_ message: String) {
        if errIsTerminal { err("\r\u{1B}[K" + message) }
    }
}

/// The process exit status: 0 success, 1 invalid input or failed check, 2 usage error.
public enum ExitCode: Int32, Sendable {
    case success = 0
    case failure = 1
    case usage = 2
}

/// A command line that does not fit a command's usage: exit 2 with the message and usage.
struct UsageError: Error, Equatable {
    let message: String
}
