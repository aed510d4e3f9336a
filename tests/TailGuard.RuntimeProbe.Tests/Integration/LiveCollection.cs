namespace TailGuard.RuntimeProbe.Tests.Integration;

/// <summary>Tests that run real processes and measure timing run one at a time: the machine has two cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveCollection
{
    public const string Name = "live processes";
}
