import Testing
@testable import ParleyWorker

@Suite(.timeLimit(.minutes(5))) struct AddressPolicyTests {
    @Test(arguments: [
        "127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
        "0.0.0.0", "100.64.0.1", "224.0.0.1", "255.255.255.255", "198.18.0.1",
        "::1", "::", "[::1]", "fe80::1", "fe80::1%eth0", "fc00::1", "fd12:3456::1", "ff02::1",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::7f00:1", "2001:db8::1",
        "::127.0.0.1", "::10.0.0.1", "::8.8.8.8", "2002:7f00:1::1", "2002:a9fe:a9fe::", "fec0::1", "feff::1",
        "64:ff9b:1::1", "64:ff9b:1:ffff::8.8.8.8", "2001:0:4136:e378:8000:63bf:3fff:fdd2", "100::1",
        "not-an-address", "1.2.3", "256.1.1.1", "1::2::3",
    ])
    func forbidden(address: String) {
        #expect(AddressPolicy.isForbidden(address))
    }

    @Test(arguments: ["8.8.8.8", "1.1.1.1", "172.32.0.1", "192.169.0.1", "2606:4700::1111", "::ffff:8.8.8.8", "2a00:1450:4001::200e",
                      "2002:808:808::1", "64:ff9b::808:808", "2001:4860:4860::8888"])
    func allowed(address: String) {
        #expect(!AddressPolicy.isForbidden(address))
    }

    @Test func parsesIPv6Forms() {
        #expect(AddressPolicy.parseIPv6("::1") == Array(repeating: 0, count: 15) + [1])
        #expect(AddressPolicy.parseIPv6("1:2:3:4:5:6:7:8")?.count == 16)
        #expect(AddressPolicy.parseIPv6("1:2:3:4:5:6:7:8:9") == nil)
        #expect(AddressPolicy.parseIPv6("12345::1") == nil)
    }
}
