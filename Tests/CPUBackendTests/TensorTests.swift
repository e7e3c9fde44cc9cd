import Testing
@testable import CPUBackend

@Suite struct TensorTests {
    @Test func holdsValuesRowMajor() {
        let t = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        #expect(t.count == 6)
        #expect(t.values == [1, 2, 3, 4, 5, 6])
        #expect(Tensor(zeros: [0, 4]).values == [])
    }
}
