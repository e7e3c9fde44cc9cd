import Foundation
import Testing

@testable import VitScopeCLI

/// The check that a binary built for one CPU's extensions refuses, with a message, to run on a
/// CPU without them.
@Suite struct InstructionSetsTests {
    @Test func missingExtensionsInBuildOrder() {
        let built = ["avx", "avx2", "fma", "avx512f", "avx512bw", "avx512_fp16"]
        #expect(InstructionSets.missing(built, available: ["avx", "avx2", "fma"]) == ["avx512f", "avx512bw", "avx512_fp16"])
        #expect(InstructionSets.missing(built, available: Set(built + ["sse4_2"])) == [])
        #expect(InstructionSets.missing([], available: []) == [])
    }

    @Test func messageSaysWhatIsMissingAndHowToRebuild() {
        #expect(
            InstructionSets.message(compiled: ["avx2", "avx512f"], missing: ["avx512f"])
                == "error: this vitscope was built for a CPU with avx2, avx512f; this CPU lacks avx512f, so its kernels would "
                + "stop at an illegal instruction. Build it on this machine (swift build -c release), for every AVX2 "
                + "machine (VITSCOPE_MARCH=x86-64-v3 swift build -c release), or a portable binary (VITSCOPE_PORTABLE=1 "
                + "swift build -c release)\n")
    }

    /// A build runs on the machine that built it; a native x86-64 build records exactly the
    /// building CPU's extensions among those checked (the tests run where they were built).
    @Test func thisBuildRunsHere() throws {
        #expect(InstructionSets.problem == nil)
        #if arch(x86_64) && os(Linux)
            let running = try #require(InstructionSets.running())
            if ProcessInfo.processInfo.environment["VITSCOPE_PORTABLE"] == nil {
                #expect(InstructionSets.compiled.contains("avx2") == running.contains("avx2"))
                #expect(InstructionSets.compiled.contains("avx512f") == running.contains("avx512f"))
            } else {
                #expect(InstructionSets.compiled == [])
            }
        #endif
    }
}
