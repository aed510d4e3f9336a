using TailGuard.RuntimeProbe.Sources;

namespace TailGuard.RuntimeProbe.Tests.Session;

public sealed class TargetEnvironmentTests
{
    [Theory]
    [InlineData("DOTNET_ThreadPool_ForceMaxWorkerThreads", "8", 8)]
    [InlineData("DOTNET_ThreadPool_ForceMaxWorkerThreads", "10", 16)]
    [InlineData("DOTNET_ThreadPool_ForceMaxWorkerThreads", "0x20", 32)]
    [InlineData("COMPlus_ThreadPool_ForceMaxWorkerThreads", "4", 4)]
    public void A_forced_pool_maximum_is_read_as_the_runtime_reads_it_in_hexadecimal(string name, string value, int expected) =>
        Assert.Equal(expected, TargetEnvironment.ForcedMaxWorkerThreads(new Dictionary<string, string> { [name] = value }));

    [Theory]
    [InlineData("0")]
    [InlineData("eight")]
    [InlineData("")]
    public void A_zero_or_unreadable_maximum_is_no_maximum(string value) =>
        Assert.Null(TargetEnvironment.ForcedMaxWorkerThreads(new Dictionary<string, string> { ["DOTNET_ThreadPool_ForceMaxWorkerThreads"] = value }));

    [Fact]
    public void Without_the_variable_there_is_no_forced_maximum() =>
        Assert.Null(TargetEnvironment.ForcedMaxWorkerThreads(new Dictionary<string, string> { ["PATH"] = "/usr/bin" }));
}
