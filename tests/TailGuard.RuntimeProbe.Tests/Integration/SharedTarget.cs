namespace TailGuard.RuntimeProbe.Tests.Integration;

/// <summary>
/// One target process for a whole test class, started when a test first needs it: most bad inputs fail before any process
/// is touched, and a target per test would cost seconds each.
/// </summary>
public sealed class SharedTarget : IAsyncLifetime
{
    private Task<TargetProcess>? _target;

    internal Task<TargetProcess> GetAsync() => _target ??= TargetProcess.StartAsync();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_target is not null)
        {
            await (await _target).DisposeAsync();
        }
    }
}
