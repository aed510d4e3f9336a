using System.Collections.Concurrent;
using System.Diagnostics;

namespace TailGuard.RuntimeProbe.Tests.Integration;

/// <summary>
/// An open-loop HTTP client for the tests, independent of the probe: a dedicated thread starts requests on a fixed schedule
/// whatever the server does, and each request's latency is measured from the moment the schedule meant to send it (so a
/// stalled server cannot slow the client down and hide its stall, as a closed loop would).
/// </summary>
internal sealed class OpenLoopClient : IDisposable
{
    private readonly HttpClient _client;
    private readonly ConcurrentBag<double> _latenciesMs = [];
    private long _errors;

    public OpenLoopClient(Uri baseAddress)
    {
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 4096, UseProxy = false, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1) };
        _client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>Sends <paramref name="perSecond"/> requests a second for <paramref name="duration"/>; completes when every reply came.</summary>
    public async Task RunAsync(string path, int perSecond, TimeSpan duration, Action<TimeSpan>? atElapsed = null)
    {
        var requests = new ConcurrentQueue<Task>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var scheduler = new Thread(() =>
        {
            var clock = Stopwatch.StartNew();
            var intervalTicks = Stopwatch.Frequency / perSecond;
            var total = (long)(duration.TotalSeconds * perSecond);
            for (long i = 0; i < total; i++)
            {
                var due = i * intervalTicks;
                while (clock.ElapsedTicks < due)
                {
                    Thread.Sleep(1);
                }

                atElapsed?.Invoke(clock.Elapsed);
                requests.Enqueue(SendAsync(path, Stopwatch.GetTimestamp() - (clock.ElapsedTicks - due)));
            }

            done.SetResult();
        }) { IsBackground = true, Name = "open-loop client", Priority = ThreadPriority.AboveNormal };
        scheduler.Start();
        await done.Task;
        await Task.WhenAll(requests);
    }

    public int Count => _latenciesMs.Count;

    public double Percentile(double p)
    {
        var sorted = _latenciesMs.ToArray();
        Array.Sort(sorted);
        return sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100 * sorted.Length) - 1)];
    }

    private async Task SendAsync(string path, long intendedTimestamp)
    {
        try
        {
            using var response = await _client.GetAsync(path).ConfigureAwait(false);
            await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            _latenciesMs.Add(Stopwatch.GetElapsedTime(intendedTimestamp).TotalMilliseconds);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            Interlocked.Increment(ref _errors);
        }
    }

    public void Dispose() => _client.Dispose();
}
