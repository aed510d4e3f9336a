using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace TailGuard.RuntimeProbe.Tests.Integration;

/// <summary>A real TailGuard.TargetApp process on 127.0.0.1 and a free port, killed when disposed.</summary>
internal sealed class TargetProcess : IAsyncDisposable
{
    private readonly Process _process;
    private long _requestsCompleted;

    private TargetProcess(Process process, Uri baseAddress)
    {
        _process = process;
        Client = new HttpClient(new CountingHandler(this)) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public int Pid => _process.Id;

    public HttpClient Client { get; }

    /// <summary>Requests that got a response since the last <see cref="ResetCount"/>.</summary>
    public long RequestsCompleted => Interlocked.Read(ref _requestsCompleted);

    public void ResetCount() => Interlocked.Exchange(ref _requestsCompleted, 0);

    public bool HasExited => _process.HasExited;

    public static async Task<TargetProcess> StartAsync(int heapMb = 0, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet", [TestPaths.TargetApp])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["TARGET_HEAP_MB"] = heapMb.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("Cannot start the target app.");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null)
            {
                throw new InvalidOperationException("The target app exited before listening.");
            }

            if (line.StartsWith("LISTENING ", StringComparison.Ordinal))
            {
                var url = line.Split(' ')[1];
                return new TargetProcess(process, new Uri(url));
            }
        }
    }

    public async Task<(double TotalPauseMs, int Gen2)> StatsAsync()
    {
        using var document = JsonDocument.Parse(await Client.GetStringAsync("/stats"));
        return (document.RootElement.GetProperty("totalPauseMs").GetDouble(), document.RootElement.GetProperty("gen2").GetInt32());
    }

    public async Task PostAsync(string path)
    {
        using var response = await Client.PostAsync(path, content: null);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>SIGKILL: the target ends at once, without flushing or closing anything.</summary>
    public void Kill() => _process.Kill();

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private sealed class CountingHandler(TargetProcess owner) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            Interlocked.Increment(ref owner._requestsCompleted);
            return response;
        }
    }
}

/// <summary>Closed loops that each send a request, then wait a fixed pause: a paced load whose count is known.</summary>
internal sealed class LoadDriver(HttpClient client, string path, int loops, int pauseMs)
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private long _sent;

    public long Completed => Interlocked.Read(ref _sent);

    public void Start()
    {
        for (var i = 0; i < loops; i++)
        {
            _loops.Add(Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    using var response = await client.GetAsync(path, CancellationToken.None);
                    response.EnsureSuccessStatusCode();
                    Interlocked.Increment(ref _sent);
                    await Task.Delay(pauseMs, CancellationToken.None);
                }
            }));
        }
    }

    /// <summary>Stops sending and waits for every request in flight to complete.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
        _stop.Dispose();
    }
}
