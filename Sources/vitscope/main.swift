import Foundation
import VitScopeCLI

// A file-size limit makes writes fail (and be reported) instead of killing the process.
signal(SIGXFSZ, SIG_IGN)
exit(
    VitScope.main(
        Array(CommandLine.arguments.dropFirst()),
        stdout: FileOutput(descriptor: STDOUT_FILENO, name: "standard output"),
        stderr: FileOutput(descriptor: STDERR_FILENO, name: "standard error"),
        errIsTerminal: isatty(STDERR_FILENO) == 1))
