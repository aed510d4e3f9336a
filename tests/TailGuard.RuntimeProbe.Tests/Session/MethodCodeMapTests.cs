using TailGuard.RuntimeProbe.Sources;

namespace TailGuard.RuntimeProbe.Tests.Session;

public sealed class MethodCodeMapTests
{
    private static readonly MethodCode Method = new(0x1000, 0x1100, "Shop.Hash.Spin", 1, 1, 0x06000001, IsJitted: true)
    {
        // Measured on .NET 10 (an OSR body of a spin loop): the loop's condition sits after the epilog and maps to no IL.
        Map = new ILMap([-2, 11, 16, 23, 23, 34, -3, -1], [0, 53, 56, 124, 218, 199, 202, 211]),
    };

    [Theory]
    [InlineData(54, 11)]
    [InlineData(130, 23)]
    [InlineData(201, 34)]
    public void A_return_address_maps_to_the_IL_of_the_code_before_it(int returnOffset, int il)
    {
        Assert.Equal(il, new MethodCodeMap().ILOffset(Method, 0x1000 + (ulong)returnOffset));
    }

    [Fact]
    public void Code_that_maps_to_no_IL_belongs_to_the_statement_it_leads_into()
    {
        Assert.Equal(23, new MethodCodeMap().ILOffset(Method, 0x1000 + 215));
    }

    [Fact]
    public void A_method_without_a_map_has_no_IL_offset()
    {
        Assert.Null(new MethodCodeMap().ILOffset(Method with { Map = null }, 0x1010));
    }
}
