import Testing
@testable import RTLGen

@Test func RTLGenBuilds() {}
