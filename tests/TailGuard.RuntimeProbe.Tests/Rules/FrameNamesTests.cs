using TailGuard.RuntimeProbe.Rules;

namespace TailGuard.RuntimeProbe.Tests.Rules;

public sealed class FrameNamesTests
{
    [Theory]
    [InlineData("Shop.Orders.Load", "Shop.Orders.Load")]
    [InlineData("Program+<>c.<<Main>$>b__0_1", "Program.Main: lambda")]
    [InlineData("Program.<Main>$", "Program.Main")]
    [InlineData("Shop.Orders+<>c.<Load>b__3_0", "Shop.Orders.Load: lambda")]
    [InlineData("Shop.Orders+<>c__DisplayClass3_0.<Load>b__1", "Shop.Orders.Load: lambda")]
    [InlineData("Shop.Orders.<Load>b__3_0", "Shop.Orders.Load: lambda")]
    [InlineData("Shop.Orders.<Load>g__Fetch|3_0", "Shop.Orders.Load: local function Fetch")]
    [InlineData("Shop.Orders+<LoadAsync>d__5.MoveNext", "Shop.Orders.LoadAsync")]
    [InlineData("Shop.Orders+<>c+<<LoadAsync>b__3_0>d.MoveNext", "Shop.Orders.LoadAsync: lambda")]
    [InlineData("Shop.Outer+Inner+<>c.<Run>b__0_0", "Shop.Outer.Inner.Run: lambda")]
    public void A_frame_reads_as_the_user_wrote_the_method(string frame, string expected)
    {
        Assert.Equal(expected, FrameNames.AsWritten(frame));
    }

    [Theory]
    [InlineData("dynamicClass.lambda_method15", true)]
    [InlineData("ILStubClass.IL_STUB_PInvoke", true)]
    [InlineData("Program+<>c.<<Main>$>b__0_1", false)]
    [InlineData("Shop.Orders.Load", false)]
    public void Generated_code_is_recognised(string frame, bool generated)
    {
        Assert.Equal(generated, FrameNames.IsGenerated(frame));
    }
}
