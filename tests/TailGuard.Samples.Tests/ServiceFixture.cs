using TailGuard.Samples.LoadDriver;

namespace TailGuard.Samples.Tests;

/// <summary>One real AdversarialService process per test class, on a free loopback port.</summary>
public sealed class ServiceFixture : IAsyncLifetime
{
    private ServiceProcess? _service;

    public ServiceProcess Service => _service ?? throw new InvalidOperationException("The service has not started.");

    public async Task InitializeAsync() =>
        _service = await ServiceProcess.StartAsync(
            Repository.ServiceAssembly,
            ["--urls", "http://127.0.0.1:0", "--Workload:BlockingDelayMs=20", "--Workload:CpuRows=50"],
            TimeSpan.FromSeconds(30));

    public Task DisposeAsync()
    {
        _service?.Dispose();
        return Task.CompletedTask;
    }
}
