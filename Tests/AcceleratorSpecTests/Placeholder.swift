import Testing
@testable import AcceleratorSpec

@Test func AcceleratorSpecBuilds() {}
