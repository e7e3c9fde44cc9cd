import Foundation
import VitScopeCLI

let console = Console(
    out: { FileHandle.standardOutput.write(Data($0.utf8)) },
    err: { FileHandle.standardError.write(Data($0.utf8)) },
    errIsTerminal: isatty(STDERR_FILENO) == 1)
exit(VitScope.run(Array(CommandLine.arguments.dropFirst()), console: console).rawValue)
