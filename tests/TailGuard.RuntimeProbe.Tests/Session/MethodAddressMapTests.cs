using TailGuard.RuntimeProbe.Sources;

namespace TailGuard.RuntimeProbe.Tests.Session;

public sealed class MethodAddressMapTests
{
    [Fact]
    public void A_return_address_resolves_to_the_method_whose_code_holds_the_call()
    {
        var map = new MethodAddressMap();
        map.Add(0x2000, 0x100, "App.Orders", "Load");
        map.Add(0x1000, 0x80, "App.Cache", "Get");

        Assert.Equal("App.Cache.Get", map.Resolve(0x1001));
        Assert.Equal("App.Cache.Get", map.Resolve(0x1080));
        Assert.Equal("App.Orders.Load", map.Resolve(0x2050));
        Assert.Null(map.Resolve(0x1081));
        Assert.Null(map.Resolve(0x1000));
        Assert.Null(map.Resolve(0x3000));
    }

    [Fact]
    public void Generic_instantiations_are_stripped_from_the_type()
    {
        var map = new MethodAddressMap();
        map.Add(0x5000, 0x40, "System.Threading.Tasks.Task`1[System.__Canon]", "get_Result");

        Assert.Equal("System.Threading.Tasks.Task`1.get_Result", map.Resolve(0x5010));
    }

    [Fact]
    public void Methods_without_code_are_ignored()
    {
        var map = new MethodAddressMap();
        map.Add(0, 0x40, "App.Stub", "Run");
        map.Add(0x7000, 0, "App.Empty", "Run");

        Assert.Equal(0, map.Count);
        Assert.Null(map.Resolve(0x7000));
    }
}
